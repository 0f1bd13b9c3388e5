/**
 * A Windows event as `silver.security_events` keeps it: one row per log line, whatever layout the export
 * used. The columns are what investigations filter on; every field the export had that no column took is
 * kept as it came in `extra`, so a field nobody knew about never breaks a load.
 */

/** The export layouts recognised, by the field that carries their time. */
export const LAYOUTS = ["nxlog", "evtx", "sentinel", "sysmon"] as const;
export type Layout = (typeof LAYOUTS)[number];

export interface SecurityEvent {
  /** UTC, ISO 8601 with microseconds. */
  event_time: string;
  /** Which field (and which zone rule) the time came from, e.g. `TimeCreated+offset(UtcTime)`. */
  time_source: string;
  layout: Layout;
  /** The computer the event happened on, lower-cased (DNS names are case-insensitive). */
  host: string | null;
  /** Lower-cased: one export spells it `Security` and `security` within the same file. */
  channel: string | null;
  provider: string | null;
  event_id: number | null;
  /** `DOMAIN\name` when the event names a domain. */
  user_name: string | null;
  process_image: string | null;
  command_line: string | null;
  parent_image: string | null;
  parent_command_line: string | null;
  source_ip: string | null;
  source_port: number | null;
  destination_ip: string | null;
  destination_port: number | null;
  extra: Record<string, unknown>;
}

/** The columns a detection rule can name directly; any other name is looked up in `extra`. */
export const SECURITY_EVENT_COLUMNS = [
  "event_time",
  "time_source",
  "layout",
  "host",
  "channel",
  "provider",
  "event_id",
  "user_name",
  "process_image",
  "command_line",
  "parent_image",
  "parent_command_line",
  "source_ip",
  "source_port",
  "destination_ip",
  "destination_port",
] as const satisfies readonly (keyof SecurityEvent)[];
export type SecurityEventColumn = (typeof SECURITY_EVENT_COLUMNS)[number];

/** A stored event: the event plus its key and where it came from. */
export interface StoredSecurityEvent extends SecurityEvent {
  event_key: string;
}
