import type { Kafka } from "kafkajs";
import {
  CONSUMER_GROUPS,
  consumerLag,
  DEAD_LETTER_TOPICS,
  type PartitionOffsets,
} from "../../core/api/pipeline";
import { ServiceUnavailableError } from "../../core/errors";

/**
 * The Kafka side of the pipeline status: how many messages each dead-letter topic holds, and how far each
 * consumer group is behind its topic (committed offsets against high watermarks). One short-lived admin
 * connection per call, with few retries: a status request must answer quickly even when Kafka does not.
 */
export function kafkaPipelineStatus(kafka: Kafka) {
  return {
    async read() {
      const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 } });
      try {
        await admin.connect();
        const topics = [...new Set([...DEAD_LETTER_TOPICS, ...CONSUMER_GROUPS.map((g) => g.topic)])];
        const watermarks = new Map<string, { partition: number; low: number; high: number }[]>();
        for (const topic of topics) {
          const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
          watermarks.set(
            topic,
            offsets.map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) })),
          );
        }
        const dead_letters = DEAD_LETTER_TOPICS.map((topic) => {
          const parts = watermarks.get(topic) ?? [];
          return {
            topic,
            written: parts.reduce((n, p) => n + p.high, 0),
            retained: parts.reduce((n, p) => n + (p.high - p.low), 0),
          };
        });
        const consumers = [];
        for (const { group, topic, fn } of CONSUMER_GROUPS) {
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          const byPartition = new Map(
            (committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
          );
          const partitions: PartitionOffsets[] = (watermarks.get(topic) ?? []).map((w) => {
            const offset = byPartition.get(w.partition);
            // Kafka reports -1 for a partition the group never committed.
            return { ...w, committed: offset === undefined || offset < 0 ? null : offset };
          });
          consumers.push({ group, topic, function: fn, ...consumerLag(partitions) });
        }
        return { dead_letters, consumers };
      } catch (error) {
        throw new ServiceUnavailableError("kafka", `reading offsets: ${(error as Error).message}`, error);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
  };
}
