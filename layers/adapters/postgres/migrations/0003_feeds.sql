-- The scheduled feeds (CISA KEV, abuse.ch URLhaus): their current state keyed by the source's own id,
-- the change history, and one row per fetch run.

-- One row per fetch: what was asked, what came back, what changed, and how it ended.
CREATE TABLE ops.feed_runs (
  run_id          bigserial PRIMARY KEY,
  source          text NOT NULL,
  url             text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  ended_at        timestamptz,
  http_status     integer,
  bytes           bigint,
  records         integer,
  added           integer,
  changed         integer,
  unchanged       integer,
  removed         integer,
  rejected        integer,
  published       integer,
  outcome         text NOT NULL DEFAULT 'running'
                  CHECK (outcome IN ('running', 'loaded', 'unchanged', 'not_modified', 'rejected', 'failed')),
  error           text,
  version         text,
  snapshot_key    text
);
CREATE INDEX feed_runs_source_idx ON ops.feed_runs (source, started_at DESC);
COMMENT ON COLUMN ops.feed_runs.version IS 'KEV catalogVersion, or the URLhaus dump''s "Last updated" time';

-- The validators of the last good response per source, for conditional GETs (ETag / Last-Modified).
-- Written only with a successful load, so a rejected publication is fetched (and rejected) again.
CREATE TABLE ops.feed_state (
  source          text PRIMARY KEY,
  url             text NOT NULL,
  etag            text,
  last_modified   text,
  version         text,
  snapshot_key    text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Every KEV catalogue version Vigil loaded, with its immutable bronze snapshot.
CREATE TABLE raw.kev_catalogs (
  catalog_version text PRIMARY KEY,
  date_released   timestamptz NOT NULL,
  entry_count     integer NOT NULL,
  snapshot_key    text NOT NULL,
  run_id          bigint REFERENCES ops.feed_runs (run_id),
  loaded_at       timestamptz NOT NULL DEFAULT now()
);

-- The catalogue in its current state, one row per CVE: the eleven published fields, the vendor as
-- published and normalised, the URLs inside `notes`. A CVE CISA drops keeps its row, marked removed.
CREATE TABLE raw.kev_vulnerabilities (
  cve_id                        text PRIMARY KEY,
  vendor_project_raw            text NOT NULL,
  vendor_project                text NOT NULL,
  product                       text NOT NULL,
  vulnerability_name            text NOT NULL,
  date_added                    date NOT NULL,
  short_description             text NOT NULL,
  required_action               text NOT NULL,
  due_date                      date NOT NULL,
  known_ransomware_campaign_use text NOT NULL,
  ransomware_known              boolean NOT NULL,
  notes                         text NOT NULL DEFAULT '',
  notes_urls                    text[] NOT NULL DEFAULT '{}',
  cwes                          text[] NOT NULL DEFAULT '{}',
  first_catalog_version         text NOT NULL,
  catalog_version               text NOT NULL,
  removed_in_version            text,
  first_seen_at                 timestamptz NOT NULL DEFAULT now(),
  updated_at                    timestamptz NOT NULL DEFAULT now(),
  snapshot_key                  text NOT NULL
);
CREATE INDEX kev_vulnerabilities_vendor_idx ON raw.kev_vulnerabilities (lower(vendor_project), lower(product));
CREATE INDEX kev_vulnerabilities_added_idx ON raw.kev_vulnerabilities (date_added DESC);
COMMENT ON COLUMN raw.kev_vulnerabilities.catalog_version IS 'The newest catalogue this CVE was seen in';

-- Every change a catalogue version brought: added, modified (one row per field, before and after), removed.
-- Unique per (version, CVE, change, field), so loading the same version twice records nothing twice.
CREATE TABLE raw.kev_changes (
  change_id                bigserial PRIMARY KEY,
  cve_id                   text NOT NULL,
  change                   text NOT NULL CHECK (change IN ('added', 'modified', 'removed')),
  field                    text,
  before                   jsonb,
  after                    jsonb,
  catalog_version          text NOT NULL,
  previous_catalog_version text,
  run_id                   bigint REFERENCES ops.feed_runs (run_id),
  recorded_at              timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX kev_changes_once_idx ON raw.kev_changes (catalog_version, cve_id, change, (coalesce(field, '')));
CREATE INDEX kev_changes_cve_idx ON raw.kev_changes (cve_id, change_id);

-- URLhaus URLs in their current state, keyed by URLhaus's id. `revision` counts the changes Vigil
-- published for the URL (the `urlhaus:<id>:r<revision>` event ids). No CHECK on url_status: an unexpected
-- value lands and the warehouse's accepted_values test reports it, instead of failing the whole feed.
CREATE TABLE raw.urlhaus_urls (
  urlhaus_id      bigint PRIMARY KEY,
  url             text NOT NULL,
  host            text NOT NULL,
  url_status      text NOT NULL,
  last_online     timestamptz,
  threat          text,
  tags            text[] NOT NULL DEFAULT '{}',
  urlhaus_link    text,
  reporter        text,
  date_added      timestamptz NOT NULL,
  revision        integer NOT NULL DEFAULT 1,
  first_seen_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  last_changed_at timestamptz NOT NULL DEFAULT now(),
  snapshot_key    text NOT NULL
);
CREATE INDEX urlhaus_urls_host_idx ON raw.urlhaus_urls (host);
CREATE INDEX urlhaus_urls_status_idx ON raw.urlhaus_urls (url_status, last_seen_at DESC);
