import type { Producer } from "kafkajs";
import { ServiceUnavailableError } from "../../core/errors";
import type { DeadLetter, DeadLetterQueue } from "../../core/ingest/ingest-batch";

/**
 * Dead letters on `<topic>.dlq`: the original bytes as the value, so the record can be replayed as it was;
 * where it came from and why it failed as headers (the Kafka convention for DLQs). Keyed by the original
 * coordinates so a retried batch re-sends the same keys (consumers of the DLQ dedupe on them).
 */
export function kafkaDeadLetters(producer: Producer): DeadLetterQueue {
  return {
    async publish(letters) {
      const byTopic = new Map<string, DeadLetter[]>();
      for (const l of letters) {
        const list = byTopic.get(l.deadLetterTopic) ?? [];
        list.push(l);
        byTopic.set(l.deadLetterTopic, list);
      }
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((l) => ({
              key: `${l.origin.topic}+${l.origin.partition}+${l.origin.offset}`,
              value: Buffer.from(l.value, "base64"),
              headers: {
                "vigil.dlq.reason": l.reason,
                "vigil.dlq.detail": l.detail.slice(0, 2000),
                "vigil.dlq.topic": l.origin.topic,
                "vigil.dlq.partition": String(l.origin.partition),
                "vigil.dlq.offset": String(l.origin.offset),
                "vigil.dlq.timestamp": String(l.origin.timestamp),
              },
            })),
          })),
        });
      } catch (error) {
        throw new ServiceUnavailableError(
          "kafka",
          `publishing ${letters.length} dead letters failed: ${(error as Error).message}`,
          error,
        );
      }
    },
  };
}
