/** The API's shapes as the page uses them (the OpenAPI document at /openapi.json is the reference). */
export interface ApiEvent {
  event_id: string;
  ts: string;
  type: string | null;
  msg: string | null;
  actor: string | null;
  ip: string | null;
  tactic: string | null;
  score: number | null;
  country: string | null;
  channel: string | null;
}

export interface ApiEventDetail extends ApiEvent {
  extra: Record<string, unknown>;
  kafka: { topic: string; partition: number; offset: number; timestamp: string };
  bronze_key: string;
  ingested_at: string;
}

export interface Page<T> {
  data: T[];
  meta: { count: number; limit: number; next_cursor: string | null };
}

export interface ApiUrl {
  urlhaus_id: string;
  url: string;
  host: string;
  url_status: string;
  threat: string | null;
  tags: string[];
  date_added: string;
  last_online: string | null;
  reporter: string | null;
  urlhaus_link: string | null;
  last_seen_at: string;
}

export interface ApiKev {
  cve_id: string;
  vendor_project: string;
  product: string;
  vulnerability_name: string;
  date_added: string;
  due_date: string;
  known_ransomware_campaign_use: string;
  ransomware_known: boolean;
  short_description: string;
  required_action: string;
  notes: string;
  cwes: string[];
  catalog_version: string;
  removed_in_version: string | null;
}

export interface ApiKevChange {
  change_id: number;
  change: "added" | "modified" | "removed";
  field: string | null;
  before: unknown;
  after: unknown;
  catalog_version: string;
  catalog_released_at: string;
  recorded_at: string;
}

export interface IpPivot {
  data: {
    ip: string;
    events: ApiEvent[];
    urls: ApiUrl[];
    sightings: Record<string, unknown>[];
    kev: (ApiKev & { linked_from?: unknown })[];
  };
  meta: {
    events: Page<ApiEvent>["meta"];
    urls: { count: number; limit: number };
    sightings: { available: boolean; reason?: string; count: number; limit: number };
    kev: { count: number };
  };
}

export interface GraphNode {
  id: string;
  labels: string[];
  key: string | null;
  properties: Record<string, unknown>;
}

export interface Neighbourhood {
  data: {
    root: string;
    nodes: GraphNode[];
    relationships: { id: string; type: string; start: string; end: string }[];
  };
  meta: { depth: number; node_limit: number; truncated: boolean };
}

export interface FeedRun {
  run_id: number;
  started_at: string;
  ended_at: string | null;
  outcome: string;
  http_status: number | null;
  records: number | null;
  added: number | null;
  changed: number | null;
  removed: number | null;
  rejected: number | null;
  version: string | null;
  error: string | null;
}

export interface PipelineStatus {
  data: {
    tables: { table: string; exists: boolean; rows: number | null; estimated: boolean }[];
    feeds: { source: string; last_run: FeedRun; last_success: FeedRun | null }[];
    dead_letters: { topic: string; written: number; retained: number }[];
    consumers: { group: string; topic: string; function: string; lag: number }[];
  };
  /** Sources that did not answer: their parts of `data` are empty, not zero. */
  meta: { unavailable: ("postgres" | "kafka")[] };
}

export interface Health {
  status: "ok" | "degraded";
  checks: { name: string; ok: boolean; latencyMs: number; error?: string }[];
}
