import { z } from "zod";
import { FeedRejectedError, InvalidInputError } from "../errors";
import { unstorableText } from "../events/rules";
import { type UrlhausEvent, UrlhausEventSchema } from "../events/urlhaus-event";
import { hostKey } from "../host";
import { describeIssues } from "../ingest/decode";

export type UrlStatus = "online" | "offline" | "unknown";

/** One URLhaus URL as published, whatever the format it came in. */
export interface UrlhausEntry {
  /** The numeric URLhaus id, as digits. */
  id: string;
  /** ISO 8601 UTC, e.g. `2022-09-13T07:28:08Z`. */
  date_added: string;
  url: string;
  /** The lower-case hostname or IP literal of `url`: no port, IPv6 without brackets. */
  host: string;
  url_status: UrlStatus;
  /** ISO 8601 UTC; null when the feed gives none ("", "None") or an unreadable one. */
  last_online: string | null;
  threat: string | null;
  /** Trimmed, empty ones and "None" dropped, first-seen order kept, de-duplicated. */
  tags: string[];
  urlhaus_link: string | null;
  reporter: string | null;
}

export interface UrlhausParseResult {
  format: "csv" | "json-api" | "ndjson";
  /** ISO 8601 UTC, from the CSV's `# Last updated: … (UTC)` line; null for the JSON formats. */
  lastUpdated: string | null;
  /** The CSV column line; for the JSON formats, the keys seen, in first-seen order. */
  columns: string[];
  /** In feed order (newest first). */
  entries: UrlhausEntry[];
  /**
   * Rows that cannot load, each with its 1-based line (for the API: its 1-based position in `urls`), the
   * reason (field, value seen, what was expected) and its text (clipped to 1000 characters).
   */
  rejected: { line: number; reason: string; text: string }[];
}

/** What is stored per URL between polls, to tell a change from a repeat. */
export interface UrlhausState {
  id: string;
  url_status: UrlStatus;
  /** Sorted, so that a reordering of the same tags is not a change. */
  tags: string[];
  revision: number;
}

export interface UrlhausChanges {
  events: UrlhausEvent[];
  /** Entries new to `previous`. */
  added: number;
  /** Entries known before whose status or tags changed (one entry may give two events). */
  changed: number;
  unchanged: number;
  /** The state to store for every entry that produced an event, by id. */
  next: UrlhausState[];
}

const SOURCE = "urlhaus";
const URL_STATUSES: readonly UrlStatus[] = ["online", "offline", "unknown"];
const REQUIRED_COLUMNS = ["id", "dateadded", "url", "url_status"] as const;
const MAX_REJECTED_TEXT = 1000;

/** A value as read from the feed, with the name the feed gives its column (for the reasons). */
interface RawField {
  column: string;
  value: unknown;
}

interface RawEntry {
  id: RawField;
  date_added: RawField;
  url: RawField;
  url_status: RawField;
  last_online: RawField;
  threat: RawField;
  tags: RawField;
  urlhaus_link: RawField;
  reporter: RawField;
}

/**
 * The host of a URL as written, lower-cased: no scheme, userinfo, port, path or IPv6 brackets, and no
 * trailing dot (`example.com.` is `example.com`). It is not WHATWG-canonicalised (`http://0x7f.1/` stays
 * `0x7f.1`), because malware URLs are often not valid URLs and `new URL` would throw on them.
 * Throws InvalidInputError when the URL has no host.
 */
export function hostOf(url: string): string {
  const rest = url.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const authority = rest.split(/[/?#\\]/, 1)[0] ?? "";
  const hostPort = authority.slice(authority.lastIndexOf("@") + 1);
  let host: string;
  if (hostPort.startsWith("[")) {
    const end = hostPort.indexOf("]");
    host = end === -1 ? "" : hostPort.slice(1, end);
  } else {
    const colon = hostPort.indexOf(":");
    // More than one colon and no brackets: a bare IPv6 literal, which has no port to strip.
    host = colon !== -1 && colon === hostPort.lastIndexOf(":") ? hostPort.slice(0, colon) : hostPort;
  }
  host = hostKey(host);
  if (host === "") throw new InvalidInputError("url", `no host in ${JSON.stringify(clip(url, 200))}`);
  return host;
}

/**
 * Reads a URLhaus CSV dump (`csv_recent`, `csv_online` or the full dump). The columns come from the last
 * `# id,…` comment line before the data, as dumps before `last_online` existed have 8 columns, not 9.
 * A bad row (wrong field count, non-numeric id, unknown url_status, unreadable dateadded) goes to
 * `rejected` and the other rows load. An unreadable `last_online` is kept as null rather than rejecting the
 * row: it is a "last seen" hint, and republished or hand-edited dumps mask it ("06:XX:XX").
 * Duplicate ids: the dump is newest-first, so the first occurrence is kept and later ones are rejected.
 * Throws FeedRejectedError when there is no column line or it lacks a required column.
 */
export function parseUrlhausCsv(text: string): UrlhausParseResult {
  let lastUpdated: string | null = null;
  let candidate: { names: string[]; line: number } | null = null;
  let columns: string[] | null = null;
  let index = new Map<string, number>();
  const out = new EntryCollector();

  const useColumns = (): string[] => {
    if (!candidate) throw new FeedRejectedError(SOURCE, 'no column line ("# id,dateadded,url,…") in the CSV');
    const names = candidate.names;
    const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      throw new FeedRejectedError(
        SOURCE,
        `the column line (${names.join(",")}) lacks ${missing.join(", ")}`,
        `line ${candidate.line}`,
      );
    }
    index = new Map(names.map((name, i) => [name, i] as const));
    return names;
  };

  for (const item of readCsv(text)) {
    if (item.kind === "comment") {
      // Only the header counts: a comment after the data cannot redefine the columns of rows already read.
      if (columns) continue;
      const updated = /^#\s*Last updated:\s*(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})/i.exec(item.text);
      if (updated?.[1]) lastUpdated = utcTimestamp(updated[1]) ?? lastUpdated;
      const body = item.text.replace(/^#\s*/, "");
      if (body.includes("id,")) {
        const names = (csvFields(body) ?? []).map((name) => name.trim());
        if (names.includes("id")) candidate = { names, line: item.line };
      }
      continue;
    }
    columns ??= useColumns();
    if (item.problem) {
      out.reject(item.line, item.problem, item.text);
      continue;
    }
    if (item.fields.length !== columns.length) {
      out.reject(
        item.line,
        `expected ${columns.length} fields (${columns.join(",")}), got ${item.fields.length}`,
        item.text,
      );
      continue;
    }
    const fields = item.fields;
    const field = (column: string): RawField => {
      const i = index.get(column);
      return { column, value: i === undefined ? undefined : fields[i] };
    };
    out.add(
      item.line,
      item.text,
      toEntry({
        id: field("id"),
        date_added: field("dateadded"),
        url: field("url"),
        url_status: field("url_status"),
        last_online: field("last_online"),
        threat: field("threat"),
        tags: field("tags"),
        urlhaus_link: field("urlhaus_link"),
        reporter: field("reporter"),
      }),
    );
  }
  columns ??= useColumns();
  return { format: "csv", lastUpdated, columns, entries: out.entries, rejected: out.rejected };
}

/**
 * Reads a body of the URLhaus JSON API (`/v1/urls/recent/` and its kin). The API reports its errors inside
 * HTTP 200 bodies: `no_results` is an empty list; any other `query_status` but `ok` (`unknown_auth_key`,
 * `http_post_expected`, `invalid_…`) throws FeedRejectedError naming it, as does a body that is not JSON.
 * Bad entries go to `rejected` with their 1-based position in `urls`.
 */
export function parseUrlhausApiResponse(body: string): UrlhausParseResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripBom(body));
  } catch (error) {
    throw new FeedRejectedError(
      SOURCE,
      `the API answer is not JSON (${(error as Error).message}); it starts ${JSON.stringify(clip(body.trim(), 80))}`,
    );
  }
  if (!isRecord(parsed)) throw new FeedRejectedError(SOURCE, "the API answer is not a JSON object");
  const status = parsed.query_status;
  if (typeof status !== "string") {
    throw new FeedRejectedError(SOURCE, "the API answer has no query_status", "query_status");
  }
  const result: UrlhausParseResult = {
    format: "json-api",
    lastUpdated: null,
    columns: [],
    entries: [],
    rejected: [],
  };
  if (status === "no_results") return result;
  if (status !== "ok") {
    const hint = status === "unknown_auth_key" ? " (the Auth-Key header is missing or not valid)" : "";
    throw new FeedRejectedError(SOURCE, `the API answered query_status "${status}"${hint}`, "query_status");
  }
  const urls = parsed.urls;
  if (!Array.isArray(urls)) {
    throw new FeedRejectedError(SOURCE, 'query_status is "ok" but urls is not a list', "urls");
  }
  const out = new EntryCollector();
  const columns = new Set<string>();
  urls.forEach((item: unknown, i) => {
    const text = JSON.stringify(item) ?? "";
    if (!isRecord(item)) {
      out.reject(i + 1, "expected an object in urls", text);
      return;
    }
    for (const key of Object.keys(item)) columns.add(key);
    const field = (column: string): RawField => ({ column, value: item[column] });
    out.add(
      i + 1,
      text,
      toEntry({
        id: field("id"),
        date_added: field("date_added"),
        url: field("url"),
        url_status: field("url_status"),
        last_online: field("last_online"),
        threat: field("threat"),
        tags: field("tags"),
        urlhaus_link: field("urlhaus_reference"),
        reporter: field("reporter"),
      }),
    );
  });
  return { ...result, columns: [...columns], entries: out.entries, rejected: out.rejected };
}

/**
 * Reads the URLhaus JSON dump as one object per line (`{"id","dateadded","url",…,"tags":[…]}`). A line
 * that is not JSON, not an object or not a valid entry goes to `rejected`; the other lines load. Duplicate
 * ids keep the first occurrence, as in the CSV.
 */
export function parseUrlhausNdjson(text: string): UrlhausParseResult {
  const out = new EntryCollector();
  const columns = new Set<string>();
  stripBom(text)
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      if (raw.trim() === "") return;
      let item: unknown;
      try {
        item = JSON.parse(raw);
      } catch (error) {
        out.reject(line, `not JSON: ${(error as Error).message}`, raw);
        return;
      }
      if (!isRecord(item)) {
        out.reject(line, "expected a JSON object", raw);
        return;
      }
      for (const key of Object.keys(item)) columns.add(key);
      // The dump spells these like the CSV; accept the API spelling too, as exports mix them.
      const field = (column: string, alias: string): RawField =>
        column in item || !(alias in item)
          ? { column, value: item[column] }
          : { column: alias, value: item[alias] };
      out.add(
        line,
        raw,
        toEntry({
          id: field("id", "id"),
          date_added: field("dateadded", "date_added"),
          url: field("url", "url"),
          url_status: field("url_status", "url_status"),
          last_online: field("last_online", "last_online"),
          threat: field("threat", "threat"),
          tags: field("tags", "tags"),
          urlhaus_link: field("urlhaus_link", "urlhaus_reference"),
          reporter: field("reporter", "reporter"),
        }),
      );
    });
  return {
    format: "ndjson",
    lastUpdated: null,
    columns: [...columns],
    entries: out.entries,
    rejected: out.rejected,
  };
}

/**
 * Reads any URLhaus publication, telling the format from the body: a JSON object with `query_status` is
 * the API, other `{` lines are the NDJSON dump, anything else is the CSV. A JSON `contentType` on a body
 * that does not start with `{` is read as the API, so that a broken API answer is rejected as such.
 */
export function parseUrlhausFeed(body: string, contentType?: string): UrlhausParseResult {
  const start = stripBom(body).trimStart();
  if (start.startsWith("{")) {
    if (/^\{\s*"query_status"/.test(start) || hasQueryStatus(start)) return parseUrlhausApiResponse(body);
    return parseUrlhausNdjson(body);
  }
  const type = contentType?.toLowerCase() ?? "";
  if (/\bjson\b/.test(type) && !type.includes("ndjson")) return parseUrlhausApiResponse(body);
  return parseUrlhausCsv(body);
}

/**
 * The events one poll produces against the stored state: "added" for an id not in `previous`, else
 * "status_changed" and/or "tags_changed" (tags compared sorted, so a reordering is no change). Each event
 * carries the entry as observed now, plus `previous_status` / `previous_tags` (the stored state) for changes.
 * Revisions continue from the stored one ("added" is 1) and `event_id` is `urlhaus:<id>:r<revision>`, so
 * running the same poll against the same state gives the same events: the caller publishes before it
 * stores `next`, and a crash in between republishes the same ids, which downstream upserts absorb.
 * Repeated ids in `entries` keep the first. Events are ordered by id (numerically), then revision.
 * Throws InvalidInputError when `observedAt` is not an ISO 8601 date-time or an entry cannot become a valid
 * event (the parsers never produce such an entry).
 */
export function urlhausChanges(
  previous: ReadonlyMap<string, UrlhausState>,
  entries: readonly UrlhausEntry[],
  observedAt: string,
): UrlhausChanges {
  if (!z.string().datetime({ offset: true }).safeParse(observedAt).success) {
    throw new InvalidInputError(
      "observedAt",
      `expected an ISO 8601 date-time, got ${JSON.stringify(observedAt)}`,
    );
  }
  const seen = new Set<string>();
  const unique: UrlhausEntry[] = [];
  for (const entry of entries) {
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    unique.push(entry);
  }
  unique.sort((a, b) => compareIds(a.id, b.id));

  const result: UrlhausChanges = { events: [], added: 0, changed: 0, unchanged: 0, next: [] };
  for (const entry of unique) {
    const tags = sortedTags(entry.tags);
    const before = previous.get(entry.id);
    const emit = (change: UrlhausEvent["change"], revision: number) =>
      result.events.push(
        toEvent(
          entry,
          change,
          revision,
          observedAt,
          before && { status: before.url_status, tags: before.tags },
        ),
      );
    if (!before) {
      emit("added", 1);
      result.added++;
      result.next.push({ id: entry.id, url_status: entry.url_status, tags, revision: 1 });
      continue;
    }
    let revision = before.revision;
    if (before.url_status !== entry.url_status) emit("status_changed", ++revision);
    if (!sameTags(sortedTags(before.tags), tags)) emit("tags_changed", ++revision);
    if (revision === before.revision) {
      result.unchanged++;
      continue;
    }
    result.changed++;
    result.next.push({ id: entry.id, url_status: entry.url_status, tags, revision });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------

/** Collects entries and rejected rows, keeping the first occurrence of an id. */
class EntryCollector {
  readonly entries: UrlhausEntry[] = [];
  readonly rejected: UrlhausParseResult["rejected"] = [];
  private readonly firstLine = new Map<string, number>();

  add(line: number, text: string, entry: UrlhausEntry | string): void {
    if (typeof entry === "string") {
      this.reject(line, entry, text);
      return;
    }
    const first = this.firstLine.get(entry.id);
    if (first !== undefined) {
      this.reject(line, `id: ${entry.id} repeats line ${first}; the first (newest) occurrence is kept`, text);
      return;
    }
    this.firstLine.set(entry.id, line);
    this.entries.push(entry);
  }

  reject(line: number, reason: string, text: string): void {
    this.rejected.push({ line, reason, text: clip(text, MAX_REJECTED_TEXT) });
  }
}

/** An entry, or the reason (field, value seen, expectation) it cannot be one. */
function toEntry(raw: RawEntry): UrlhausEntry | string {
  const id = typeof raw.id.value === "number" ? String(raw.id.value) : raw.id.value;
  if (typeof id !== "string" || !/^\d+$/.test(id.trim())) {
    return `${raw.id.column}: expected digits, got ${show(raw.id.value)}`;
  }
  const dateAdded = typeof raw.date_added.value === "string" ? utcTimestamp(raw.date_added.value) : null;
  if (!dateAdded) {
    return `${raw.date_added.column}: expected "YYYY-MM-DD HH:MM:SS" (UTC), got ${show(raw.date_added.value)}`;
  }
  const url = raw.url.value;
  if (typeof url !== "string" || url.trim() === "") {
    return `${raw.url.column}: expected a URL, got ${show(url)}`;
  }
  let host: string;
  try {
    host = hostOf(url);
  } catch {
    return `${raw.url.column}: expected a URL with a host, got ${show(url)}`;
  }
  const status = typeof raw.url_status.value === "string" ? raw.url_status.value.trim().toLowerCase() : "";
  if (!isUrlStatus(status)) {
    return `${raw.url_status.column}: expected one of ${URL_STATUSES.join(", ")}, got ${show(raw.url_status.value)}`;
  }
  const texts: Record<"threat" | "urlhaus_link" | "reporter", string | null> = {
    threat: null,
    urlhaus_link: null,
    reporter: null,
  };
  for (const key of ["threat", "urlhaus_link", "reporter"] as const) {
    const value = optionalText(raw[key].value);
    if (value === undefined) return `${raw[key].column}: expected text, got ${show(raw[key].value)}`;
    texts[key] = value;
  }
  const tags = tagList(raw.tags.value);
  if (!tags)
    return `${raw.tags.column}: expected comma-separated text or a list of text, got ${show(raw.tags.value)}`;
  const lastOnline = typeof raw.last_online.value === "string" ? utcTimestamp(raw.last_online.value) : null;

  const entry: UrlhausEntry = {
    id: id.trim(),
    date_added: dateAdded,
    url,
    host,
    url_status: status,
    last_online: lastOnline,
    threat: texts.threat,
    tags,
    urlhaus_link: texts.urlhaus_link,
    reporter: texts.reporter,
  };
  // The event schema is the one source of the limits (lengths, tag count): an entry that loads can always
  // be published, rather than failing later, inside urlhausChanges, for the whole poll.
  const probe = eventOf(entry, "added", 1, dateAdded, undefined);
  const unstorable = unstorableText(probe);
  if (unstorable !== undefined) return unstorable;
  const checked = UrlhausEventSchema.safeParse(probe);
  return checked.success ? entry : describeIssues(checked.error, probe);
}

function toEvent(
  entry: UrlhausEntry,
  change: UrlhausEvent["change"],
  revision: number,
  observedAt: string,
  before: { status: UrlStatus; tags: string[] } | undefined,
): UrlhausEvent {
  const event = eventOf(entry, change, revision, observedAt, before);
  const parsed = UrlhausEventSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(`entries[id=${entry.id}]`, describeIssues(parsed.error, event));
  }
  return parsed.data;
}

/** The event fields, before validation. `revision` is carried too: it orders the two events of one poll. */
function eventOf(
  entry: UrlhausEntry,
  change: UrlhausEvent["change"],
  revision: number,
  observedAt: string,
  before: { status: UrlStatus; tags: string[] } | undefined,
): Record<string, unknown> {
  return {
    event_id: `urlhaus:${entry.id}:r${revision}`,
    ts: observedAt,
    change,
    revision,
    urlhaus_id: entry.id,
    url: entry.url,
    host: entry.host,
    url_status: entry.url_status,
    ...(entry.threat === null ? {} : { threat: entry.threat }),
    tags: entry.tags,
    date_added: entry.date_added,
    last_online: entry.last_online,
    ...(entry.reporter === null ? {} : { reporter: entry.reporter }),
    ...(change === "added" || !before ? {} : { previous_status: before.status, previous_tags: before.tags }),
  };
}

/**
 * "YYYY-MM-DD HH:MM:SS", optionally followed by " UTC" (the JSON formats) or already ISO with `Z`, as
 * ISO 8601 UTC; null for "", "None" or anything else, including impossible dates (2022-02-30).
 */
function utcTimestamp(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:\s*UTC|Z|\+00:?00)?$/i.exec(
    value.trim(),
  );
  if (!m) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2022-02-30 over to March and 24:00 to the next day; a round trip catches both.
  const back = [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  if (back.some((part, i) => part !== [year, month, day, hour, minute, second][i])) return null;
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Trimmed text, null for missing, "" and "None"; undefined when the value is not text at all. */
function optionalText(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return text === "" || text === "None" ? null : text;
}

/** The CSV's one comma-separated field or the JSON list, normalised; null when it is neither. */
function tagList(value: unknown): string[] | null {
  let parts: unknown[];
  if (value === undefined || value === null) parts = [];
  else if (typeof value === "string") parts = value.split(",");
  else if (Array.isArray(value)) parts = value;
  else return null;
  const tags: string[] = [];
  for (const part of parts) {
    if (typeof part !== "string") return null;
    const tag = part.trim();
    if (tag !== "" && tag !== "None" && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

function sortedTags(tags: readonly string[]): string[] {
  return [...new Set(tags)].sort();
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function isUrlStatus(value: string): value is UrlStatus {
  return (URL_STATUSES as readonly string[]).includes(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasQueryStatus(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) && "query_status" in parsed;
  } catch {
    return false;
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function show(value: unknown): string {
  return value === undefined ? "missing" : clip(JSON.stringify(value) ?? String(value), 80);
}

// --- RFC 4180 reader -------------------------------------------------------------------------------------

type CsvItem =
  | { kind: "comment"; line: number; text: string }
  | { kind: "record"; line: number; fields: string[]; text: string; problem: string | null };

/** The fields of one CSV line, or null when it holds no record. */
function csvFields(line: string): string[] | null {
  for (const item of readCsv(line)) if (item.kind === "record") return item.fields;
  return null;
}

/**
 * RFC 4180 records: quoted fields with doubled quotes, commas and line breaks inside; CRLF or LF. A line
 * starting with `#` outside quotes is a comment (URLhaus's header); blank lines are skipped. Each record
 * keeps the 1-based line it starts on and its text; a malformed one (an unterminated quote, text after a
 * closing quote) comes back with the problem rather than throwing, so one bad row costs only itself.
 */
function* readCsv(text: string): Generator<CsvItem> {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const start = i;
    const startLine = line;
    const eol = lineEnd(text, i);
    if (text[i] === "#" || text.slice(i, eol).trim() === "") {
      if (text[i] === "#") yield { kind: "comment", line, text: text.slice(i, eol) };
      i = afterNewline(text, eol);
      line++;
      continue;
    }
    const fields: string[] = [];
    let problem: string | null = null;
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        value = "";
        let pos = i + 1;
        for (;;) {
          const quote = text.indexOf('"', pos);
          const chunk = text.slice(pos, quote === -1 ? n : quote);
          value += chunk;
          line += countNewlines(chunk);
          if (quote === -1) {
            problem ??= `field ${fields.length + 1}: a quoted field is not closed before the end of the text`;
            pos = n;
            break;
          }
          if (text[quote + 1] === '"') {
            value += '"';
            pos = quote + 2;
            continue;
          }
          pos = quote + 1;
          break;
        }
        i = pos;
        const stop = fieldEnd(text, i);
        if (stop > i) {
          problem ??= `field ${fields.length + 1}: text after its closing quote (${JSON.stringify(clip(text.slice(i, stop), 40))})`;
          value += text.slice(i, stop);
          i = stop;
        }
      } else {
        const stop = fieldEnd(text, i);
        value = text.slice(i, stop);
        i = stop;
      }
      fields.push(value);
      if (text[i] !== ",") break;
      i++;
    }
    const recordText = text.slice(start, i);
    i = afterNewline(text, i);
    line++;
    yield { kind: "record", line: startLine, fields, text: recordText, problem };
  }
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return text.length;
}

function fieldEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 || c === 10 || c === 13) return i;
  }
  return text.length;
}

function afterNewline(text: string, at: number): number {
  if (text[at] === "\r" && text[at + 1] === "\n") return at + 2;
  return at < text.length ? at + 1 : at;
}

function countNewlines(chunk: string): number {
  return chunk.match(/\r\n?|\n/g)?.length ?? 0;
}
