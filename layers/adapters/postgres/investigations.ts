import type pg from "pg";
import type { ApiEvent, ApiEventDetail, EventFilter, EventPageRequest } from "../../core/api/events";
import type { EventListRow, EventQueries } from "../../core/api/investigations";
import { bind, keysetAfter, readRows, whereClause } from "./read";

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

// The sort key of an event: its time in UTC with Postgres's microseconds, so that a page boundary never
// skips or repeats rows sharing a millisecond. Postgres sends the timestamp's own text
// (`2025-01-01 00:00:30.5`, the ISO DateStyle every pool sets) and `positionOf` completes it in Node:
// to_char did the same in Postgres at 2–4 µs a row, a third of a page's statement time.
const POSITION = `(ts AT TIME ZONE 'UTC')::text`;
// The columns of an event row, by the name each is returned under.
const EVENT_FIELDS = {
  event_id: "event_id",
  position_ts: POSITION,
  type: "type",
  actor: "actor",
  ip: "host(ip)",
  tactic: "tactic",
  score: "score",
  country: "country",
  channel: "channel",
  msg: "msg",
} as const;

/** What an event row returns: the select list, and the names of its columns in order. */
interface EventSelect {
  list: string;
  columns: string[];
}
const selects = new Map<string, EventSelect>();

/** The event row with the optional columns asked for (see eventListQuery), built once for each choice. */
function eventSelect(options: { extra?: boolean; sortTs?: boolean }): EventSelect {
  const key = `${options.extra === true}/${options.sortTs === true}`;
  let select = selects.get(key);
  if (select === undefined) {
    const fields: Record<string, string> = {
      ...EVENT_FIELDS,
      ...(options.extra ? { extra_json: "extra::text" } : {}),
      ...(options.sortTs ? { sort_ts: "ts" } : {}),
    };
    select = {
      list: Object.entries(fields)
        .map(([name, sql]) => (sql === name ? name : `${sql} AS ${name}`))
        .join(", "),
      columns: Object.keys(fields),
    };
    selects.set(key, select);
  }
  return select;
}
const EVENT_COLUMNS = eventSelect({}).list;

/**
 * The cursor's form of a sort key (`2025-01-01T00:00:30.500000Z`) from the text Postgres sends
 * (`2025-01-01 00:00:30.5`: a timestamp's ISO rendering drops the fraction's trailing zeros); the API's
 * millisecond `ts` is its first 23 characters (truncated, as Postgres's own millisecond rendering does).
 * Checked by position, not by a regular expression: it runs for every row of every page.
 * @throws Error on any other text: a key that does not sort like the table's would make pages skip or
 * repeat rows.
 */
export function positionOf(text: string): string {
  const n = text.length;
  const iso =
    text[4] === "-" &&
    text[7] === "-" &&
    text[10] === " " &&
    text[13] === ":" &&
    text[16] === ":" &&
    (n === 19 || (n > 20 && n <= 26 && text[19] === "."));
  if (!iso) {
    throw new Error(
      `an event's timestamp came as ${JSON.stringify(text.slice(0, 40))}, not in the ISO DateStyle`,
    );
  }
  const fraction = n === 19 ? ".000000" : `${text.slice(19)}${"00000".slice(n - 21)}`;
  return `${text.slice(0, 10)}T${text.slice(11, 19)}${fraction}Z`;
}

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

/** The filters whose index can lead a page, in the order they are preferred (the pair has its own index). */
const LEADS = [
  ["actor", "tactic"],
  ["ip"],
  ["actor"],
  ["type"],
  ["tactic"],
  ["country"],
  ["channel"],
] as const;
type LeadColumn = (typeof LEADS)[number][number];

/** A leading filter's condition: its value as a range of one (see eventListQuery). */
const leadCondition = (column: LeadColumn) => (p: string) =>
  column === "ip" ? `ip BETWEEN ${p}::inet AND ${p}::inet` : `${column} BETWEEN ${p} AND ${p}`;

/** A row of the events list query: the API's columns (but `ts`), the sort key, `extra` as text if asked. */
export type EventListRecord = Omit<EventRow, "ts"> & { position_ts: string; extra_json?: string };

/**
 * The SQL of the first `rows` events matching `filter` after the position `after`, newest first (its
 * values appended to `values`): a keyset scan of an index ordered by (ts, event_id), so any page costs
 * the same. `extra` adds the unknown fields as JSON text (`extra_json`), which only the IP pivot reads;
 * `sortTs` adds `ts` itself as `sort_ts`, for a statement that orders these rows again among others (in
 * the index's order, so without a sort). `columns` names what each row returns, in order. `table` is
 * raw.threat_events or a copy of it named threat_events in another schema (a test's own).
 *
 * The list's statements run with generic plans, which estimate `column = $1` as one value in the column's
 * number of distinct values. For a column of few (channel: a handful of values; events of one actor), that
 * made walking the time index and filtering look cheaper than the filter's own index, and more so on a
 * later page, whose keyset condition the time index answers: a channel no event of the page's range has
 * read every older event (1,000,000 events over six channels: 435,000 rows, 186 ms for one page). So the
 * filter whose index leads (LEADS, the first whose columns are all set) is matched as a range of one value
 * (`BETWEEN $1 AND $1`, which an equality would make a constant the planner drops from the order) and
 * named first in the sort, which only its index gives without sorting. The IP pivot (`sortTs`) keeps the
 * equality: its statement merges the page along the time order (its IPs are many, so the estimate holds).
 */
export function eventListQuery(
  filter: EventFilter,
  after: EventPageRequest["after"],
  rows: number,
  values: unknown[],
  options: { extra?: boolean; sortTs?: boolean; table?: `${string}.threat_events` } = {},
): { sql: string; columns: string[] } {
  const keyset = keysetAfter(after, (a, b) => `(ts, event_id) < (${a}::timestamptz, ${b})`, values);
  const lead = options.sortTs ? [] : (LEADS.find((l) => l.every((c) => filter[c] !== undefined)) ?? []);
  const conditions = { ...EVENT_CONDITIONS };
  for (const column of lead) conditions[column] = leadCondition(column);
  const where = whereClause(filter, conditions, values, keyset);
  const limit = bind(values, rows);
  const { list, columns } = eventSelect(options);
  // The sort names the table's columns: the index order (ts, event_id), not a text rendering of them.
  const order = [
    ...lead.map((c) => `threat_events.${c}`),
    "threat_events.ts DESC",
    "threat_events.event_id DESC",
  ];
  const sql = `SELECT ${list} FROM ${options.table ?? "raw.threat_events"} ${where}
     ORDER BY ${order.join(", ")} LIMIT ${limit}`;
  return { sql, columns };
}

/** The API's event of a row whose sort key is `position`: its fields, with the millisecond `ts`. */
const apiEvent = (r: EventListRecord, position: string): ApiEvent => ({
  event_id: r.event_id,
  ts: `${position.slice(0, 23)}Z`,
  type: r.type,
  actor: r.actor,
  ip: r.ip,
  tactic: r.tactic,
  score: r.score,
  country: r.country,
  channel: r.channel,
  msg: r.msg,
});

/**
 * A list row as the API port returns it: the event, its sort key as the cursor's position, and its unknown
 * fields as JSON text if read.
 */
export function eventListRow(record: EventListRecord): EventListRow {
  const position = positionOf(record.position_ts);
  return {
    item: apiEvent(record, position),
    position: [position, record.event_id],
    extraJson: record.extra_json,
  };
}

async function listEvents(
  pool: pg.Pool,
  filter: EventFilter,
  after: EventPageRequest["after"],
  rows: number,
): Promise<EventListRecord[]> {
  const values: unknown[] = [];
  return readRows(pool, "listing threat events", eventListQuery(filter, after, rows, values).sql, values);
}

/**
 * The questions analysts ask first (every parameter bound, never spliced): the latest events, filtered
 * and paged; everything one actor did; one event with its provenance; and which IPs high-score events hit
 * most. `keyset` runs the statements whose best plan depends on which filters are set but not on their
 * values (keyset pages, look-ups by key), so it may be a pool that keeps generic plans; `pool` runs the
 * ones Postgres should plan for the values at hand: a score threshold, which the partial index of high
 * scores serves only when the planner sees the value.
 */
export function investigations(
  pool: pg.Pool,
  keyset: pg.Pool = pool,
): EventQueries & {
  latestEvents(limit: number): Promise<EventRow[]>;
  eventsOfActor(actor: string, limit: number): Promise<EventRow[]>;
} {
  return {
    async list(filter, page): Promise<EventListRow[]> {
      // One row more than the page: it only tells whether there is a next page.
      const by = filter.min_score === undefined ? keyset : pool;
      return (await listEvents(by, filter, page.after, page.limit + 1)).map(eventListRow);
    },

    async latestEvents(limit) {
      return (await listEvents(keyset, {}, undefined, limit)).map((r) => eventListRow(r).item);
    },

    async eventsOfActor(actor, limit) {
      return (await listEvents(keyset, { actor }, undefined, limit)).map((r) => eventListRow(r).item);
    },

    async byId(eventId): Promise<ApiEventDetail | null> {
      const rows = await readRows<
        EventListRecord & {
          extra: Record<string, unknown>;
          kafka_topic: string;
          kafka_partition: number;
          kafka_offset: string;
          kafka_timestamp: string;
          bronze_key: string;
          ingested_at: string;
        }
      >(
        keyset,
        "reading a threat event",
        `SELECT ${EVENT_COLUMNS}, extra, kafka_topic, kafka_partition, kafka_offset,
           to_char(kafka_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS kafka_timestamp,
           bronze_key, to_char(ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ingested_at
         FROM raw.threat_events WHERE event_id = $1`,
        [eventId],
      );
      const row = rows[0];
      if (!row) return null;
      return {
        ...eventListRow(row).item,
        extra: row.extra,
        bronze_key: row.bronze_key,
        ingested_at: row.ingested_at,
        kafka: {
          topic: row.kafka_topic,
          partition: row.kafka_partition,
          offset: Number(row.kafka_offset),
          timestamp: row.kafka_timestamp,
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
