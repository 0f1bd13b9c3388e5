import type { Driver } from "neo4j-driver";
import type pg from "pg";

/** Rows of raw.threat_events whose event_id starts with `prefix-` (a test's own events). */
export async function eventRows(pool: pg.Pool, prefix: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM raw.threat_events WHERE event_id LIKE $1",
    [`${prefix}-%`],
  );
  return Number(rows[0]?.n);
}

/** ThreatEvent nodes whose event_id starts with `prefix-`. */
export async function eventNodes(driver: Driver, prefix: string): Promise<number> {
  const { records } = await driver.executeQuery(
    "MATCH (t:ThreatEvent) WHERE t.event_id STARTS WITH $p RETURN count(t) AS n",
    { p: `${prefix}-` },
  );
  return Number(records[0]?.get("n"));
}
