import type { RecordOrigin } from "./kafka-records";

/**
 * The bronze key of a group of records: topic, partition and first offset, partitioned by the first
 * record's Kafka timestamp (UTC), never the wall clock. A retried batch therefore writes the very same
 * keys and overwrites its own objects instead of adding copies.
 */
export function eventObjectKey(
  origin: Pick<RecordOrigin, "topic" | "partition" | "offset" | "timestamp">,
): string {
  const { dt, hour } = datePartition(origin.timestamp);
  return `events/topic=${origin.topic}/dt=${dt}/hour=${hour}/${origin.topic}+${origin.partition}+${origin.offset}.jsonl.gz`;
}

/** Where poison records of a batch are kept with their reasons (same determinism as the events). */
export function quarantineObjectKey(
  origin: Pick<RecordOrigin, "topic" | "partition" | "offset" | "timestamp">,
): string {
  const { dt } = datePartition(origin.timestamp);
  return `quarantine/topic=${origin.topic}/dt=${dt}/${origin.topic}+${origin.partition}+${origin.offset}.jsonl.gz`;
}

export function datePartition(timestampMs: number): { dt: string; hour: string } {
  const iso = new Date(timestampMs).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/**
 * Cuts records (one batch, each partition in offset order) into bronze objects: a new object starts at
 * each new topic-partition and at each new UTC hour of the Kafka timestamp.
 */
export function groupForBronze<T extends { origin: RecordOrigin }>(
  items: readonly T[],
): { key: string; items: T[] }[] {
  const groups: { key: string; items: T[] }[] = [];
  let current: { key: string; items: T[]; tag: string } | undefined;
  for (const item of items) {
    const { dt, hour } = datePartition(item.origin.timestamp);
    const tag = `${item.origin.topic}\u0000${item.origin.partition}\u0000${dt}\u0000${hour}`;
    if (!current || current.tag !== tag) {
      current = { key: eventObjectKey(item.origin), items: [], tag };
      groups.push(current);
    }
    current.items.push(item);
  }
  return groups.map(({ key, items: list }) => ({ key, items: list }));
}
