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
