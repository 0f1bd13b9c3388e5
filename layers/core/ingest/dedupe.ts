/**
 * Keeps one record per key: the newest by (event time, then Kafka offset), the same order the upsert
 * applies across batches, so the winner never depends on how records were cut into batches.
 * Postgres refuses an INSERT … ON CONFLICT that touches one row twice, hence this is needed per batch.
 */
export function latestPerKey<T>(
  items: readonly T[],
  key: (item: T) => string,
  order: (item: T) => readonly [number | bigint, number],
): T[] {
  const best = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    const current = best.get(k);
    if (!current) {
      best.set(k, item);
      continue;
    }
    const [t1, o1] = order(item);
    const [t0, o0] = order(current);
    if (t1 > t0 || (t1 === t0 && o1 > o0)) best.set(k, item);
  }
  return [...best.values()];
}
