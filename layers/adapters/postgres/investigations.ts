import type pg from "pg";
import type { ApiEventDetail, EventFilter, EventPageRequest } from "../../core/api/events";
import type { EventListRow, EventQueries } from "../../core/api/investigations";
import { keysetAfter, readRows, whereClause } from "./read";

/** A threat event as the investigation queries return it. */
export interface EventRow {
  event_id: string;
  ts: string;
  type: string | null;
  actor: string | null;
  ip: string | null;
  tactic: string | null;
  score: number | null;
  country: string | null;
  channel: string | null;
  msg: string | null;
}

const EVENT_COLUMNS = `event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, type, actor,
  host(ip) AS ip, tactic, score, country, channel, msg`;
// The exact sort key of a row (Postgres keeps microseconds; the API's `ts` shows milliseconds), so a page
// boundary never skips or repeats rows that share a millisecond.
const POSITION_COLUMN = `to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_ts`;

// The SQL of each filter of the events list; its value is always the positional parameter given.
const EVENT_CONDITIONS: { [K in keyof EventFilter]-?: (p: string) => string } = {
  type: (p) => `type = ${p}`,
  actor: (p) => `actor = ${p}`,
  tactic: (p) => `tactic = ${p}`,
  country: (p) => `country = ${p}`,
  channel: (p) => `channel = ${p}`,
  min_score: (p) => `score >= ${p}`,
  since: (p) => `ts >= ${p}::timestamptz`,
  until: (p) => `ts < ${p}::timestamptz`,
  ip: (p) => `ip = ${p}::inet`,
};

/**
 * The first `rows` events matching `filter` after the position `after`, newest first: a keyset scan of
 * an index ordered by (ts, event_id), so any page costs the same.
 */
async function listEvents(
  pool: pg.Pool,
  filter: EventFilter,
  after: EventPageRequest["after"],
  rows: number,
): Promise<(EventRow & { position_ts: string; extra: Record<string, unknown> })[]> {
  const values: unknown[] = [];
  const keyset = keysetAfter(after, (a, b) => `(ts, event_id) < (${a}::timestamptz, ${b})`, values);
  const where = whereClause(filter, EVENT_CONDITIONS, values, keyset);
  values.push(rows);
  return readRows(
    pool,
    "listing threat events",
    // The sort names the table's column: a bare `ts` would be the text `ts` of the select list, which no
    // index orders (a full sort of the table per page).
    `SELECT ${EVENT_COLUMNS}, ${POSITION_COLUMN}, extra FROM raw.threat_events ${where}
     ORDER BY threat_events.ts DESC, threat_events.event_id DESC LIMIT $${values.length}`,
    values,
  );
}

const plain = ({ position_ts: _p, extra: _e, ...row }: EventRow & { position_ts: string; extra: unknown }) =>
  row;

/**
 * The questions analysts ask first (every parameter bound, never spliced): the latest events, filtered
 * and paged; everything one actor did; one event with its provenance; and which IPs high-score events hit
 * most.
 */
export function investigations(pool: pg.Pool): EventQueries & {
  latestEvents(limit: number): Promise<EventRow[]>;
  eventsOfActor(actor: string, limit: number): Promise<EventRow[]>;
} {
  return {
    async list(filter, page): Promise<EventListRow[]> {
      // One row more than the page: it only tells whether there is a next page.
      const rows = await listEvents(pool, filter, page.after, page.limit + 1);
      return rows.map(({ position_ts, event_id, ...rest }) => ({
        event_id,
        ...rest,
        position: [position_ts, event_id],
      }));
    },

    async latestEvents(limit) {
      return (await listEvents(pool, {}, undefined, limit)).map(plain);
    },

    async eventsOfActor(actor, limit) {
      return (await listEvents(pool, { actor }, undefined, limit)).map(plain);
    },

    async byId(eventId): Promise<ApiEventDetail | null> {
      const rows = await readRows<
        EventRow & {
          extra: Record<string, unknown>;
          kafka_topic: string;
          kafka_partition: number;
          kafka_offset: string;
          kafka_timestamp: string;
          bronze_key: string;
          ingested_at: string;
        }
      >(
        pool,
        "reading a threat event",
        `SELECT ${EVENT_COLUMNS}, extra, kafka_topic, kafka_partition, kafka_offset,
           to_char(kafka_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS kafka_timestamp,
           bronze_key, to_char(ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ingested_at
         FROM raw.threat_events WHERE event_id = $1`,
        [eventId],
      );
      const row = rows[0];
      if (!row) return null;
      const { kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, ...event } = row;
      return {
        ...event,
        kafka: {
          topic: kafka_topic,
          partition: kafka_partition,
          offset: Number(kafka_offset),
          timestamp: kafka_timestamp,
        },
      };
    },

    async topTargetedIps(minScore, limit) {
      const rows = await readRows<{ ip: string; hits: string }>(
        pool,
        "counting targeted IPs",
        `SELECT host(ip) AS ip, count(*) AS hits FROM raw.threat_events
          WHERE score > $1 AND ip IS NOT NULL GROUP BY ip ORDER BY hits DESC, host(ip) LIMIT $2`,
        [minScore, limit],
      );
      return rows.map((r) => ({ ip: r.ip, hits: Number(r.hits) }));
    },
  };
}
