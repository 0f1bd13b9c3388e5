import type { Producer } from "kafkajs";
import { ServiceUnavailableError } from "../../core/errors";
import { URLHAUS_EVENTS_TOPIC, type UrlhausEventPublisher } from "../../core/feeds/urlhaus-run";

const CHUNK = 1000;

/**
 * `urlhaus.events`, keyed by URLhaus id: all changes of one URL land in one partition, in order. Sent with
 * acks from every in-sync replica; the idempotent producer keeps a retried send from duplicating.
 */
export function kafkaUrlhausEvents(producer: Producer, topic = URLHAUS_EVENTS_TOPIC): UrlhausEventPublisher {
  return {
    async publish(events) {
      for (let i = 0; i < events.length; i += CHUNK) {
        const chunk = events.slice(i, i + CHUNK);
        try {
          await producer.send({
            topic,
            acks: -1,
            messages: chunk.map((e) => ({ key: e.urlhaus_id, value: JSON.stringify(e) })),
          });
        } catch (error) {
          throw new ServiceUnavailableError(
            "kafka",
            `publishing ${chunk.length} URLhaus events failed: ${(error as Error).message}`,
            error,
          );
        }
      }
    },
  };
}
