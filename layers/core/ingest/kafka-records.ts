/**
 * The Lambda Kafka event as Vigil's functions receive it (self-managed Kafka or MSK), reduced to what
 * ingest reads. Defined here rather than imported so core stays free of platform packages.
 */
export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: string;
  key?: string;
  value?: string;
  headers?: Record<string, number[]>[];
}

export interface LambdaKafkaEvent {
  eventSource: string;
  bootstrapServers?: string;
  eventSourceArn?: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

/** Where a record came from: enough to find it again in Kafka, in bronze and in Postgres. */
export interface RecordOrigin {
  topic: string;
  partition: number;
  offset: number;
  /** The record's Kafka timestamp (ms since epoch): partitions bronze, never the wall clock. */
  timestamp: number;
  key: string | null;
}

/** Every record of the event, each partition in offset order (Lambda's order), partitions by name. */
export function recordsOf(event: LambdaKafkaEvent): LambdaKafkaRecord[] {
  return Object.keys(event.records)
    .sort()
    .flatMap((k) => [...(event.records[k] ?? [])].sort((a, b) => a.offset - b.offset));
}

export function originOf(record: LambdaKafkaRecord): RecordOrigin {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === undefined ? null : Buffer.from(record.key, "base64").toString("utf8"),
  };
}

/**
 * Runs each topic's handler on that topic's records of the event (an event may carry several topics). A
 * record of a topic without a handler is a deployment error — the function subscribed to a topic it does
 * not know — so it fails the batch loudly rather than being dropped.
 */
export async function byTopic<R>(
  event: LambdaKafkaEvent,
  handlers: Record<string, (batch: LambdaKafkaEvent) => Promise<R>>,
): Promise<Record<string, R>> {
  const topics = [...new Set(recordsOf(event).map((r) => r.topic))];
  const results: Record<string, R> = {};
  for (const topic of topics) {
    const handle = handlers[topic];
    if (!handle) {
      throw new Error(`no handler for topic "${topic}" (known: ${Object.keys(handlers).join(", ")})`);
    }
    const records = Object.fromEntries(
      Object.entries(event.records).filter(([, list]) => list.some((r) => r.topic === topic)),
    );
    results[topic] = await handle({ ...event, records });
  }
  return results;
}
