import { cvesNamedIn } from "../cve";
import { withDeadline } from "../deadline";
import { NotFoundError } from "../errors";
import { canonicalIp } from "../ip";
import { type CursorKey, type CursorList, type Positioned, pageOf } from "./cursor";
import {
  type ApiEvent,
  type ApiEventDetail,
  type EventFilter,
  type EventPageRequest,
  eventCursorFilter,
} from "./events";
import type { ApiKev, ApiKevChange, KevFilter, UrlFilter } from "./feeds";
import type { KevLink, SourceState } from "./ips";
import type { FeedRun, TableSize } from "./pipeline";

/**
 * An events row as the store returns it: the API's event, its sort key, and its unknown fields as JSON
 * text if read (only searched for CVE ids, never shown, so never parsed).
 */
export type EventListRow = Positioned<ApiEvent, "events"> & { extraJson?: string };

/** Port: the threat events in Postgres. A list returns up to `limit + 1` rows (the extra one says "more"). */
export interface EventQueries {
  list(filter: EventFilter, page: EventPageRequest): Promise<EventListRow[]>;
  byId(eventId: string): Promise<ApiEventDetail | null>;
  topTargetedIps(scoreAbove: number, limit: number): Promise<{ ip: string; hits: number }[]>;
}

/**
 * A JSON array of `count` elements as the store wrote it: passed into the response as it is, never parsed
 * (for a pivot with 50 URLs and 50 sightings, parsing and writing them again was half its handler's time).
 */
export interface JsonArrayText {
  text: string;
  count: number;
}

/**
 * What one read of an IP finds (IpEvidence.ofIp): its URLs (ApiUrl objects) and sightings as JSON text, the
 * CVEs detections tied to those sightings, and the KEV entries of these CVEs (those KEV lists).
 */
export interface IpFound {
  events: EventListRow[];
  urls: JsonArrayText;
  sightings: { state: SourceState; rows: JsonArrayText; cves: string[]; kev: ApiKev[] };
}

/** Port: what is stored about one IP, read together, and the KEV entries its evidence names. */
export interface IpEvidence {
  /**
   * One read of an IP's evidence: a page of the events aimed at it (up to `page.limit + 1` rows, with
   * their unknown fields), the newest URLhaus URLs on `hosts`, and its newest security-log sightings with
   * the CVEs detections tied to them and their KEV entries (or why there are no sightings to read).
   */
  ofIp(ip: string, hosts: readonly string[], page: EventPageRequest): Promise<IpFound>;
  kevEntries(cves: readonly string[]): Promise<ApiKev[]>;
}

/** Port: the feed tables (KEV and URLhaus). Lists return up to `limit + 1` rows with their sort keys. */
export interface FeedQueries {
  listKev(
    filter: KevFilter,
    page: { limit: number; after?: CursorKey<"kev"> },
  ): Promise<Positioned<ApiKev, "kev">[]>;
  cve(cveId: string): Promise<{ entry: ApiKev; changes: ApiKevChange[] } | null>;
  /** Each URL as the JSON text the store wrote (an ApiUrl), passed into the response as it is (urlPageJson). */
  listUrls(
    filter: UrlFilter,
    page: { limit: number; after?: CursorKey<"urls"> },
  ): Promise<Positioned<string, "urls">[]>;
}

/** Port: the pipeline's own state, each source read on its own so one outage does not hide the others. */
export interface PipelineProbes {
  tables(): Promise<TableSize[]>;
  feeds(): Promise<{ source: string; last_run: FeedRun; last_success: FeedRun | null }[]>;
  kafka(): Promise<{
    dead_letters: { topic: string; written: number; retained: number }[];
    consumers: {
      group: string;
      topic: string;
      function: string;
      lag: number;
      partitions: { partition: number; committed: number | null; high: number; lag: number }[];
    }[];
  }>;
}

/** A page of events: rows without their internals, and the cursor of the next page. */
export async function eventPage(events: EventQueries, filter: EventFilter, page: EventPageRequest) {
  return eventPageOf(await events.list(filter, page), filter, page);
}

/** The page `rows` (up to `page.limit + 1` of them, from the list's query) make for `filter`. */
function eventPageOf(rows: readonly EventListRow[], filter: EventFilter, page: EventPageRequest) {
  return listPage("events", rows, page.limit, eventCursorFilter(filter));
}

/**
 * The page of `list` that `rows` (up to `limit + 1` of them) make for `filter`: the rows shown (with what
 * they carry beside their item), and the body — the items and the cursor of the next page.
 */
function listPage<L extends CursorList, R extends Positioned<unknown, L>>(
  list: L,
  rows: readonly R[],
  limit: number,
  filter: object,
) {
  const { rows: shown, nextCursor } = pageOf(rows, limit, list, (r) => r.position, { ...filter });
  return {
    rows: shown,
    body: {
      data: shown.map((r) => r.item as R["item"]),
      meta: { count: shown.length, limit, next_cursor: nextCursor },
    },
  };
}

/** One event by id. @throws NotFoundError when there is none. */
export async function eventById(events: EventQueries, eventId: string) {
  const event = await events.byId(eventId);
  if (!event) throw new NotFoundError("event", eventId);
  return { data: event };
}

/**
 * The IP pivot: the events that targeted the IP (one page), the URLhaus URLs hosted on it, the security-log
 * sightings naming it (or why there are none to read), and the KEV entries that any of these name. The
 * sources are read in one go, with the KEV entries of the CVEs detections tied to the sightings; a second
 * look-up follows only when the text of what was read names another CVE. The URLs and sightings stay JSON
 * text (pivotJson writes the response around them).
 */
export async function pivotIp(deps: { evidence: IpEvidence }, ip: string, page: EventPageRequest) {
  const canonical = canonicalIp(ip);
  const hosts = [...new Set([ip.toLowerCase(), canonical])];
  const filter: EventFilter = { ip: canonical };
  const found = await deps.evidence.ofIp(canonical, hosts, page);
  const events = eventPageOf(found.events, filter, page);
  const { urls, sightings } = found;
  const named = {
    events: cvesNamedIn(events.rows.map((r) => `${r.item.msg ?? ""} ${r.extraJson ?? ""}`)),
    // A URL or a sighting names a CVE anywhere in its record (the URL itself and its tags, in practice).
    urls: cvesNamedIn([urls.text]),
    sightings: cvesNamedIn([sightings.rows.text, ...sightings.cves]),
  };
  const all = [...new Set([...named.events, ...named.urls, ...named.sightings])].sort();
  // The detections' CVEs were looked up with the evidence: those KEV lists came with it, the others it lacks.
  const others = all.filter((cve) => !sightings.cves.includes(cve));
  const listed = [...sightings.kev, ...(others.length ? await deps.evidence.kevEntries(others) : [])];
  const entries = new Map(listed.map((entry) => [entry.cve_id, entry]));
  // In the order of `all`: the CVE ids sorted.
  const kev: KevLink[] = all.flatMap((cve) => {
    const entry = entries.get(cve);
    const linkedFrom = (["events", "urls", "sightings"] as const).filter((s) => named[s].includes(cve));
    return entry ? [{ ...entry, linked_from: linkedFrom }] : [];
  });
  return {
    data: { ip: canonical, events: events.body.data, urls, sightings: sightings.rows, kev },
    meta: {
      events: events.body.meta,
      urls: { count: urls.count, limit: page.limit },
      sightings: { ...sightings.state, count: sightings.rows.count, limit: page.limit },
      kev: { count: kev.length },
    },
  };
}

/** The pivot's response body (the IpPivot schema): its parts written as JSON, the URLs and sightings as read. */
export function pivotJson(pivot: Awaited<ReturnType<typeof pivotIp>>): string {
  const { ip, events, urls, sightings, kev } = pivot.data;
  const data = [
    `"ip":${JSON.stringify(ip)}`,
    `"events":${JSON.stringify(events)}`,
    `"urls":${urls.text}`,
    `"sightings":${sightings.text}`,
    `"kev":${JSON.stringify(kev)}`,
  ];
  return `{"data":{${data.join(",")}},"meta":${JSON.stringify(pivot.meta)}}`;
}

/** A page of KEV entries, with the cursor of the next page. */
export function kevPage(rows: readonly Positioned<ApiKev, "kev">[], limit: number, filter: KevFilter) {
  return listPage("kev", rows, limit, filter).body;
}

/**
 * A page of URLhaus URLs as the response's JSON text, the URLs as the store wrote them (never parsed: at
 * 500 a page, parsing and writing them again was half the handler's time), with the cursor of the next.
 */
export function urlPageJson(rows: readonly Positioned<string, "urls">[], limit: number, filter: UrlFilter) {
  const { data, meta } = listPage("urls", rows, limit, filter).body;
  return `{"data":[${data.join(",")}],"meta":${JSON.stringify(meta)}}`;
}

/** One CVE with its change history. @throws NotFoundError when KEV never listed it. */
export async function cveWithHistory(feeds: FeedQueries, cveId: string) {
  const found = await feeds.cve(cveId);
  if (!found) throw new NotFoundError("CVE", cveId);
  return { data: { ...found.entry, changes: found.changes } };
}

/** How long the pipeline status waits for each of its sources before naming it unavailable. */
export const PIPELINE_SOURCE_DEADLINE_MS = 5_000;

/**
 * The pipeline's state. Postgres and Kafka are read independently, each within `deadlineMs`: when one does
 * not answer, its parts are empty and `meta.unavailable` names it, so the route still shows what it can (a
 * status page that fails whenever something is down shows nothing when it matters most).
 */
export async function pipelineStatus(
  probes: PipelineProbes,
  now: () => Date = () => new Date(),
  deadlineMs = PIPELINE_SOURCE_DEADLINE_MS,
) {
  const within = <T>(read: () => Promise<T>) => withDeadline(read(), deadlineMs);
  const [tables, feeds, kafka] = await Promise.allSettled([
    within(probes.tables),
    within(probes.feeds),
    within(probes.kafka),
  ]);
  const unavailable: ("postgres" | "kafka")[] = [];
  if (tables.status === "rejected" || feeds.status === "rejected") unavailable.push("postgres");
  if (kafka.status === "rejected") unavailable.push("kafka");
  return {
    data: {
      tables: tables.status === "fulfilled" ? tables.value : [],
      feeds: feeds.status === "fulfilled" ? feeds.value : [],
      dead_letters: kafka.status === "fulfilled" ? kafka.value.dead_letters : [],
      consumers: kafka.status === "fulfilled" ? kafka.value.consumers : [],
    },
    meta: { unavailable, generated_at: now().toISOString() },
    failures: (
      [
        ["postgres", tables],
        ["postgres", feeds],
        ["kafka", kafka],
      ] as const
    ).flatMap(([source, r]) => (r.status === "rejected" ? [{ source, error: r.reason as unknown }] : [])),
  };
}
