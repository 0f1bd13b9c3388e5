import type pg from "pg";
import { ServiceUnavailableError } from "../../core/errors";
import { threatEventRow, urlhausEventRow } from "../../core/events/rows";
import { instantMicros } from "../../core/events/rules";
import type { ThreatEvent } from "../../core/events/threat-event";
import type { UrlhausEvent } from "../../core/events/urlhaus-event";
import { latestPerKey } from "../../core/ingest/dedupe";
import type { EventSink, IngestedRecord } from "../../core/ingest/ingest-batch";

const KAFKA_COLUMNS = `kafka_topic text, kafka_partition integer, kafka_offset bigint, kafka_timestamp timestamptz,
  bronze_key text`;

/**
 * One statement per batch: the rows travel as one jsonb parameter, unpacked by jsonb_to_recordset, so a
 * batch of 10,000 is one round trip and nothing is ever spliced into the SQL text. On conflict the newer
 * version wins by (ts, kafka_offset); an older or identical replay changes nothing.
 */
function upsertStatement(table: string, columns: string): string {
  const names = columns
    .split(",")
    .map((c) => c.trim().split(/\s+/)[0] ?? "")
    .filter((c) => c !== "");
  const updatable = names.filter((c) => c !== "event_id");
  return `INSERT INTO ${table} (${names.join(", ")})
    SELECT ${names.join(", ")} FROM jsonb_to_recordset($1::jsonb) AS r(${columns})
    ON CONFLICT (event_id) DO UPDATE SET ${updatable.map((c) => `${c} = EXCLUDED.${c}`).join(", ")}, ingested_at = now()
    WHERE (EXCLUDED.ts, EXCLUDED.kafka_offset) > (${table}.ts, ${table}.kafka_offset)`;
}

const THREAT_COLUMNS = `event_id text, ts timestamptz, type text, msg text, actor text, ip inet, tactic text,
  score double precision, country text, channel text, extra jsonb, ${KAFKA_COLUMNS}`;
const URLHAUS_COLUMNS = `event_id text, ts timestamptz, change text, urlhaus_id bigint, url text, host text,
  url_status text, threat text, tags text[], date_added timestamptz, last_online timestamptz, reporter text,
  extra jsonb, ${KAFKA_COLUMNS}`;

const UPSERT_THREAT = upsertStatement("raw.threat_events", THREAT_COLUMNS);
const UPSERT_URLHAUS = upsertStatement("raw.urlhaus_events", URLHAUS_COLUMNS);

async function runUpsert(pool: pg.Pool, sql: string, rows: unknown[]): Promise<{ written: number }> {
  try {
    const result = await pool.query(sql, [JSON.stringify(rows)]);
    return { written: result.rowCount ?? 0 };
  } catch (error) {
    // Rows were validated before they got here: whatever fails now is the database, and the batch retries.
    throw new ServiceUnavailableError("postgres", (error as Error).message, error);
  }
}

// The newest version per event_id, in event_id order: batches of different partitions that share keys
// (a producer re-sending an event under another key) then lock those rows in one global order and
// cannot deadlock each other.
const newest = <T extends { event_id: string; ts: string }>(records: readonly IngestedRecord<T>[]) =>
  latestPerKey(
    records,
    (r) => r.event.event_id,
    (r) => [instantMicros(r.event.ts), r.origin.offset],
  ).sort((a, b) => (a.event.event_id < b.event.event_id ? -1 : a.event.event_id > b.event.event_id ? 1 : 0));

/** `raw.threat_events`, keyed by event_id. */
export const threatEventTable = (pool: pg.Pool): EventSink<ThreatEvent> => ({
  upsert: (records) => runUpsert(pool, UPSERT_THREAT, newest(records).map(threatEventRow)),
});

/** `raw.urlhaus_events`, keyed by event_id (stable per URL change). */
export const urlhausEventTable = (pool: pg.Pool): EventSink<UrlhausEvent> => ({
  upsert: (records) => runUpsert(pool, UPSERT_URLHAUS, newest(records).map(urlhausEventRow)),
});
