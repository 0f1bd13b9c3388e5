import { InvalidInputError } from "../errors";
import { ATTACK_TACTICS, ThreatEventSchema } from "../events/threat-event";
import { canonicalIp } from "../ip";
import { type CursorKey, decodeCursor } from "./cursor";
import {
  cursorParam,
  instantMicros,
  instantParam,
  ipParam,
  limitParam,
  scoreParam,
  textParam,
} from "./params";
import { z } from "./zod";

const event = ThreatEventSchema.shape;

/**
 * The filters of `GET /v1/events`. The event fields reuse the ingest schema's own rules, so a filter
 * value the pipeline could never have stored is refused as such (a tactic outside ATT&CK, a country that
 * is not two capitals).
 */
export const EventListQuery = z
  .object({
    type: event.type,
    actor: event.actor,
    tactic: z.enum(ATTACK_TACTICS).optional().describe("ATT&CK tactic (lower-kebab name)"),
    country: event.country,
    channel: event.channel,
    ip: ipParam
      .optional()
      .describe(
        "Only events aimed at this IPv4 or IPv6 address, in any spelling (the IP pivot's events, which its " +
          "meta.events.next_cursor continues here)",
      ),
    min_score: scoreParam.optional().describe("Only events scoring at least this, 0 to 1"),
    since: instantParam.optional().describe("Only events at or after this time"),
    until: instantParam.optional().describe("Only events before this time"),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

/** The page parameters of the lists that take no other filter (an actor's events). */
export const PageQuery = z.object({ limit: limitParam, cursor: cursorParam }).strict();

export const EventIdPath = z.object({
  id: textParam(128).describe("The event's event_id"),
});

export const ActorPath = z.object({
  actor: textParam(256).describe("Threat actor or group name, exactly as reported"),
});

/** What the events queries filter on (the targeted IP in canonical form: canonicalIp). */
export interface EventFilter {
  type?: string;
  actor?: string;
  tactic?: string;
  country?: string;
  channel?: string;
  min_score?: number;
  since?: string;
  until?: string;
  ip?: string;
}

/** A page request: at most `limit` rows, after the cursor's position when there is one. */
export interface EventPageRequest {
  limit: number;
  after?: CursorKey<"events">;
}

/**
 * The filter and page of a validated events query: checks what one field alone cannot (the time range)
 * and opens the cursor against these very filters.
 * @throws InvalidInputError naming `until` or `cursor`.
 */
export function eventQuery(
  query: Partial<z.output<typeof EventListQuery>> & { limit: number; cursor?: string | undefined },
  fixed: Partial<EventFilter> = {},
): { filter: EventFilter; page: EventPageRequest } {
  const { limit, cursor, ...rest } = query;
  const filter: EventFilter = Object.fromEntries(
    Object.entries({ ...rest, ...fixed }).filter(([, v]) => v !== undefined),
  );
  // One spelling per address, so that a cursor continues whichever spelling the next page is asked with.
  if (filter.ip !== undefined) filter.ip = canonicalIp(filter.ip);
  if (filter.since && filter.until && instantMicros(filter.until) <= instantMicros(filter.since)) {
    throw new InvalidInputError("until", `must be after since (${filter.since})`);
  }
  const page: EventPageRequest = { limit };
  if (cursor) page.after = decodeCursor("events", cursor, eventCursorFilter(filter));
  return { filter, page };
}

/**
 * The filters as a cursor of the events list names them: `since` and `until` as the instant they mean (in
 * microseconds since the epoch), so a cursor continues the list whichever offset or precision the next page
 * spells them with (`…T02:00:00+02:00` and `…T00:00:00.000Z` are one instant, and one list).
 */
export function eventCursorFilter(filter: EventFilter): Record<string, unknown> {
  const { since, until, ...rest } = filter;
  return {
    ...rest,
    ...(since === undefined ? {} : { since: String(instantMicros(since)) }),
    ...(until === undefined ? {} : { until: String(instantMicros(until)) }),
  };
}

/** An event as the API returns it: the threat event's fields, null where the producer sent none. */
export const ApiEvent = z
  .object({
    event_id: z.string(),
    ts: z.string().describe("ISO 8601, UTC, milliseconds"),
    type: z.string().nullable(),
    msg: z.string().nullable(),
    actor: z.string().nullable(),
    ip: z.string().nullable(),
    tactic: z.string().nullable(),
    score: z.number().nullable(),
    country: z.string().nullable(),
    channel: z.string().nullable(),
  })
  .openapi("ThreatEvent");

/** One event with where it came from: unknown fields, Kafka coordinates and its bronze object. */
export const ApiEventDetail = ApiEvent.extend({
  extra: z.record(z.unknown()).describe("Fields the producer sent beyond the schema's own"),
  kafka: z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.number().int(),
    timestamp: z.string(),
  }),
  bronze_key: z.string().describe("The bronze object (gzipped JSONL) this version was written to"),
  ingested_at: z.string(),
}).openapi("ThreatEventDetail");

export type ApiEvent = z.output<typeof ApiEvent>;
export type ApiEventDetail = z.output<typeof ApiEventDetail>;

/** The paging part of every list's `meta`. */
export const ListMeta = z.object({
  count: z.number().int().describe("Rows in this page"),
  limit: z.number().int(),
  next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
});

export const EventPage = z.object({ data: z.array(ApiEvent), meta: ListMeta }).openapi("EventPage");
