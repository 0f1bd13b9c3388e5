import type { Kafka } from "kafkajs";

export interface TopicSpec {
  topic: string;
  partitions: number;
}

/**
 * Creates the topics that do not exist yet and checks that the existing ones have the expected partition
 * count; idempotent, so `make up` can run it every time.
 * @returns the names of the topics it created.
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: 1 })),
      });
    }
    const present = specs.filter((s) => existing.has(s.topic)).map((s) => s.topic);
    if (present.length > 0) {
      const { topics } = await admin.fetchTopicMetadata({ topics: present });
      for (const meta of topics) {
        const want = specs.find((s) => s.topic === meta.name)?.partitions;
        if (want !== undefined && meta.partitions.length < want) {
          await admin.createPartitions({ topicPartitions: [{ topic: meta.name, count: want }] });
        }
      }
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}
