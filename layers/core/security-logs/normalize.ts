import { isIP } from "node:net";
import { mayHoldUnstorable, unstorableText } from "../events/rules";
import { EventDataXmlError, parseEventDataXml } from "./event-data-xml";
import type { Layout, SecurityEvent } from "./security-event";
import {
  type ClockReading,
  clockOffset,
  EARLIEST_INSTANT_MS,
  formatInstant,
  type Instant,
  type LocalClock,
  parseClockReading,
  toUtc,
} from "./time";

/** Why a line could not become an event (stable codes; the detail says more). */
export const REJECT_REASONS = [
  "not_utf8",
  "line_too_long",
  "not_json",
  "raw_text",
  "not_an_object",
  "no_event_time",
  "bad_event_time",
  "bad_event_data",
  "bad_text",
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type LineResult =
  | { kind: "event"; event: SecurityEvent }
  | { kind: "rejected"; reason: RejectReason; detail: string }
  /** A zone-less local time and nothing yet known about the file's clock: learn it first, then ask again. */
  | { kind: "needs-clock" };

export interface NormalizeContext {
  clock: LocalClock;
  /** UTC − local from the dataset's metadata (`utc_offset`), used when the file itself does not tell. */
  metadataOffsetMs: number | null;
  /** The file was searched for its clock and told nothing: read zone-less local times as UTC (and say so). */
  zoneUnknownAsUtc: boolean;
}

type Fields = Record<string, unknown>;

const preview = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

// Raw text logs that sometimes land in the drop zone, recognised so the reason says what the file is.
const RAW_TEXT: [RegExp, string][] = [
  [/^type=[A-Z_]+ msg=audit\(/, "Linux auditd text"],
  [/^<\d{1,3}>/, "syslog text"],
  [/^#(Software|Version|Fields):/, "W3C extended log text (IIS)"],
];

/**
 * Turns one line of an export into a {@link SecurityEvent}, or says exactly why it cannot: not JSON (raw
 * auditd or syslog text is named as such), not an object, no usable time, unreadable `EventData` XML, a
 * field holding text Postgres cannot store (a NUL character, half a surrogate pair: `&#0;` in the XML).
 * The three Windows layouts are told apart by their time field: `@timestamp` (+ local `EventTime`, nxlog),
 * `TimeCreated` (zone-less local, evtx exports), `TimeGenerated` (Microsoft Sentinel, `EventData` as XML).
 */
export function normalizeLine(text: string, ctx: NormalizeContext): LineResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const trimmed = text.trimStart();
    for (const [pattern, what] of RAW_TEXT) {
      if (pattern.test(trimmed)) {
        return {
          kind: "rejected",
          reason: "raw_text",
          detail: `${what} (${preview(trimmed)}), not a JSON event; raw text logs are not loaded: export them as JSON, one event per line`,
        };
      }
    }
    return {
      kind: "rejected",
      reason: "not_json",
      detail: `${(error as Error).message} in ${preview(trimmed)}`,
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const what = Array.isArray(parsed)
      ? "a JSON array"
      : `a JSON ${parsed === null ? "null" : typeof parsed}`;
    return {
      kind: "rejected",
      reason: "not_an_object",
      detail: `${what}; one event object per line is expected`,
    };
  }
  let fields: Fields = { ...(parsed as Fields) };

  const eventData = fields.EventData;
  if (typeof eventData === "string" || (typeof eventData === "object" && eventData !== null)) {
    let data: Fields;
    if (typeof eventData === "string") {
      try {
        data = parseEventDataXml(eventData);
      } catch (error) {
        if (!(error instanceof EventDataXmlError)) throw error;
        return { kind: "rejected", reason: "bad_event_data", detail: `EventData XML ${error.message}` };
      }
    } else {
      data = eventData as Fields;
    }
    // The flattened top-level fields Sentinel adds win over the XML: they are the same values, typed.
    const { EventData: _, ...top } = fields;
    fields = { ...data, ...top };
  }

  // Walked only when the line could hold such text: a JSON escape, or a character reference in the XML.
  const unstorable = mayHoldUnstorable(text) || text.includes("&#") ? unstorableText(fields) : undefined;
  if (unstorable !== undefined) return { kind: "rejected", reason: "bad_text", detail: unstorable };

  const time = resolveTime(fields, ctx);
  if ("kind" in time) return time;
  if (time.instant.ms < EARLIEST_INSTANT_MS) {
    return {
      kind: "rejected",
      reason: "bad_event_time",
      detail: `${time.source} is before 0001-01-01T00:00:00Z in UTC, which Postgres cannot hold`,
    };
  }
  return { kind: "event", event: toEvent(fields, time) };
}

interface ResolvedTime {
  layout: Layout;
  instant: Instant;
  source: string;
}

const reading = (fields: Fields, name: string): ClockReading | null | undefined => {
  const value = fields[name];
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "string" ? parseClockReading(value) : null;
};

function layoutOf(fields: Fields): Layout | null {
  if ("TimeGenerated" in fields) return "sentinel";
  if ("@timestamp" in fields) return "nxlog";
  if ("TimeCreated" in fields) return "evtx";
  if ("UtcTime" in fields) return "sysmon";
  return null;
}

const LAYOUT_TIME: Record<Layout, string> = {
  sentinel: "TimeGenerated",
  nxlog: "@timestamp",
  evtx: "TimeCreated",
  sysmon: "UtcTime",
};

function resolveTime(
  fields: Fields,
  ctx: NormalizeContext,
): ResolvedTime | Extract<LineResult, { kind: "rejected" | "needs-clock" }> {
  const layout = layoutOf(fields);
  if (!layout) {
    return {
      kind: "rejected",
      reason: "no_event_time",
      detail: "none of @timestamp, TimeCreated, TimeGenerated or UtcTime is present",
    };
  }
  const main = LAYOUT_TIME[layout];
  const mainReading = reading(fields, main);
  if (mainReading === null || mainReading === undefined) {
    return {
      kind: "rejected",
      reason: "bad_event_time",
      detail: `${main} is ${JSON.stringify(fields[main])}; expected a timestamp like 2020-10-18 10:56:18.799 or 2022-05-13T08:54:05.21Z`,
    };
  }
  const local =
    layout === "nxlog" ? reading(fields, "EventTime") : layout === "evtx" ? mainReading : undefined;
  const localName = layout === "nxlog" ? "EventTime" : "TimeCreated";

  // Sysmon's UtcTime is the moment the event happened, in UTC: the best time any layout carries.
  const utc = reading(fields, "UtcTime");
  if (utc) {
    const instant = toUtc(utc, 0);
    if (local) ctx.clock.observe(local, instant);
    return { layout, instant, source: "UtcTime" };
  }
  if (layout === "sentinel" || layout === "sysmon") {
    // Sentinel stamps TimeGenerated in UTC; a zone-less copy of it is UTC too.
    return { layout, instant: toUtc(mainReading, 0), source: main };
  }
  if (local && local.zoneMinutes === null) {
    if (layout === "nxlog") {
      // nxlog's EventTime is the event's local time; @timestamp (UTC) and EventReceivedTime (local) are the
      // same moment of receipt on both clocks, so their difference is the host's zone.
      const received = reading(fields, "EventReceivedTime");
      const offset = received ? clockOffset(received, toUtc(mainReading, 0)) : null;
      if (offset !== null) {
        return {
          layout,
          instant: toUtc(local, offset),
          source: "EventTime+offset(@timestamp-EventReceivedTime)",
        };
      }
    }
    const learned = ctx.clock.offsetMs;
    if (learned !== undefined) {
      return { layout, instant: toUtc(local, learned), source: `${localName}+offset(UtcTime)` };
    }
    if (ctx.metadataOffsetMs !== null) {
      return { layout, instant: toUtc(local, ctx.metadataOffsetMs), source: `${localName}+offset(metadata)` };
    }
    if (layout === "nxlog") return { layout, instant: toUtc(mainReading, 0), source: "@timestamp" };
    if (!ctx.zoneUnknownAsUtc) return { kind: "needs-clock" };
    return { layout, instant: toUtc(local, 0), source: `${localName}(zone unknown, read as UTC)` };
  }
  if (local) return { layout, instant: toUtc(local, 0), source: localName };
  return { layout, instant: toUtc(mainReading, 0), source: main };
}

/** The first of `names` with a usable value; the field it came from is consumed (not kept in `extra`). */
function take<T>(
  fields: Fields,
  consumed: Set<string>,
  names: readonly string[],
  read: (value: unknown) => T | null,
): T | null {
  for (const name of names) {
    if (!(name in fields)) continue;
    const value = read(fields[name]);
    if (value !== null) {
      consumed.add(name);
      return value;
    }
  }
  return null;
}

/** A non-empty string; Windows writes "-" for "none". */
const str = (value: unknown): string | null => {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return null;
  const v = value.trim();
  return v === "" || v === "-" ? null : v;
};

const int =
  (max: number) =>
  (value: unknown): number | null => {
    const v = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max ? v : null;
  };

/**
 * An IP address as Postgres `inet` takes it: IPv4-mapped IPv6 (`::ffff:10.0.0.1`, Kerberos events) becomes
 * the IPv4 address, a zone index (`fe80::1%4`) is dropped; anything else that is not an IP stays in `extra`.
 */
export const ipAddress = (value: unknown): string | null => {
  const v = str(value);
  if (!v) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(v)?.[1];
  const candidate = mapped ?? v.replace(/%[\w.]+$/, "");
  return isIP(candidate) !== 0 ? candidate : null;
};

// Where each column's value lives, in order of precedence. IPs: Sysmon network events name them
// SourceIp/DestinationIp, the Security log's filtering-platform events (5156) SourceAddress/DestAddress,
// logons (4624/4625) IpAddress, Kerberos (4768/4769) ClientAddress.
const HOST = ["Hostname", "Computer", "ComputerName", "MachineName"];
const PROVIDER = ["SourceName", "EventSourceName", "ProviderName", "Provider_Name", "Provider"];
const EVENT_ID = ["EventID", "EventId", "event_id"];
const PROCESS_IMAGE = ["Image", "NewProcessName", "ProcessName", "Application", "SourceImage"];
const COMMAND_LINE = ["CommandLine", "ProcessCommandLine"];
const PARENT_IMAGE = ["ParentImage", "ParentProcessName"];
const PARENT_COMMAND_LINE = ["ParentCommandLine"];
const SOURCE_IP = ["SourceIp", "SourceAddress", "IpAddress", "ClientAddress"];
const SOURCE_PORT = ["SourcePort", "IpPort", "ClientPort"];
const DESTINATION_IP = ["DestinationIp", "DestAddress"];
const DESTINATION_PORT = ["DestinationPort", "DestPort"];
// The account that logged on is the target of a logon event; elsewhere the subject acted.
const LOGON_EVENTS = new Set([4624, 4625, 4634, 4647, 4648, 4672]);
const USERS: [name: string, domain: string | null][] = [
  ["User", null],
  ["SubjectUserName", "SubjectDomainName"],
  ["AccountName", "Domain"],
  ["Account", null],
];

function userOf(fields: Fields, consumed: Set<string>, eventId: number | null): string | null {
  const order: [string, string | null][] =
    eventId !== null && LOGON_EVENTS.has(eventId)
      ? [["TargetUserName", "TargetDomainName"], ...USERS]
      : USERS;
  for (const [nameField, domainField] of order) {
    const name = str(fields[nameField]);
    if (!name) continue;
    consumed.add(nameField);
    const domain = domainField ? str(fields[domainField]) : null;
    if (domain && domainField) consumed.add(domainField);
    return domain && !name.includes("\\") ? `${domain}\\${name}` : name;
  }
  return null;
}

function toEvent(fields: Fields, time: ResolvedTime): SecurityEvent {
  const consumed = new Set<string>();
  const host = take(fields, consumed, HOST, str);
  const channel = take(fields, consumed, ["Channel"], str);
  const eventId = take(fields, consumed, EVENT_ID, int(65_535));
  const event: SecurityEvent = {
    event_time: formatInstant(time.instant),
    time_source: time.source,
    layout: time.layout,
    host: host?.toLowerCase() ?? null,
    channel: channel?.toLowerCase() ?? null,
    provider: take(fields, consumed, PROVIDER, str),
    event_id: eventId,
    user_name: userOf(fields, consumed, eventId),
    process_image: take(fields, consumed, PROCESS_IMAGE, str),
    command_line: take(fields, consumed, COMMAND_LINE, str),
    parent_image: take(fields, consumed, PARENT_IMAGE, str),
    parent_command_line: take(fields, consumed, PARENT_COMMAND_LINE, str),
    source_ip: take(fields, consumed, SOURCE_IP, ipAddress),
    source_port: take(fields, consumed, SOURCE_PORT, int(65_535)),
    destination_ip: take(fields, consumed, DESTINATION_IP, ipAddress),
    destination_port: take(fields, consumed, DESTINATION_PORT, int(65_535)),
    extra: {},
  };
  for (const [name, value] of Object.entries(fields)) {
    if (!consumed.has(name)) event.extra[name] = value;
  }
  return event;
}

/**
 * Searches lines for the first that carries both a zone-less local time (`TimeCreated`, `EventTime`) and
 * Sysmon's `UtcTime`, and returns the offset (UTC − local) they imply: what the lines before it need.
 * @returns undefined when none of the first `maxLines` lines tells.
 */
export async function learnClockOffset(
  lines: AsyncIterable<string>,
  maxLines = 100_000,
): Promise<number | undefined> {
  let seen = 0;
  for await (const text of lines) {
    seen += 1;
    if (seen > maxLines) return undefined;
    if (!text.includes("UtcTime")) continue;
    let fields: unknown;
    try {
      fields = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof fields !== "object" || fields === null) continue;
    const f = fields as Fields;
    const utc = reading(f, "UtcTime");
    const local = reading(f, "TimeCreated") ?? reading(f, "EventTime");
    if (!utc || !local || local.zoneMinutes !== null) continue;
    const offset = clockOffset(local, toUtc(utc, 0));
    if (offset !== null) return offset;
  }
  return undefined;
}
