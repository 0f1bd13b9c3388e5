import type pg from "pg";

/**
 * The threat events whose event_id starts with `prefix` (ending in "-"), counted as a primary-key range:
 * a LIKE would scan the whole table (a million rows once bench/api.ts has run) on every call. The
 * database's C collation orders "." right after "-".
 */
export async function countEventsWithPrefix(pool: pg.Pool, prefix: `${string}-`): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM raw.threat_events WHERE event_id >= $1 AND event_id < $2",
    prefixRange(prefix),
  );
  return Number(rows[0]?.n ?? 0);
}

/** Deletes the threat events whose event_id starts with `prefix` (the same key range); returns how many. */
export async function deleteEventsWithPrefix(pool: pg.Pool, prefix: `${string}-`): Promise<number> {
  const result = await pool.query(
    "DELETE FROM raw.threat_events WHERE event_id >= $1 AND event_id < $2",
    prefixRange(prefix),
  );
  return result.rowCount ?? 0;
}

const prefixRange = (prefix: `${string}-`) => [prefix, `${prefix.slice(0, -1)}.`];
