-- Security logs dropped under raw-logs/ in the bronze bucket (function ingest-security-logs): the
-- exactly-once ledger of object versions, the normalised events, the lines that could not be read, and
-- the detections the rules (layers/core/security-logs/detection-rules.json) found in them.

-- One row per S3 object version delivered, keyed (bucket, key, ETag). A version already final is never
-- touched again, so a repeated delivery changes nothing; lines_done is committed together with each
-- chunk of events, so a load that died mid-file resumes after its last committed chunk.
CREATE TABLE ops.security_log_objects (
  bucket            text NOT NULL,
  object_key        text NOT NULL,
  etag              text NOT NULL,
  dataset_key       text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('json', 'gzip', 'zip', 'metadata', 'unsupported')),
  size_bytes        bigint,
  last_modified     timestamptz,
  status            text NOT NULL DEFAULT 'loading'
                    CHECK (status IN ('loading', 'detecting', 'loaded', 'refused', 'superseded', 'metadata')),
  lines_done        bigint NOT NULL DEFAULT 0,
  events_loaded     bigint NOT NULL DEFAULT 0,
  lines_rejected    bigint NOT NULL DEFAULT 0,
  detections        integer NOT NULL DEFAULT 0,
  attack_techniques text[] NOT NULL DEFAULT '{}',
  metadata_sources  text[] NOT NULL DEFAULT '{}',
  attempts          integer NOT NULL DEFAULT 1,
  error             text,
  first_seen_at     timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  PRIMARY KEY (bucket, object_key, etag)
);
CREATE INDEX security_log_objects_dataset_idx ON ops.security_log_objects (bucket, dataset_key);
CREATE INDEX security_log_objects_status_idx ON ops.security_log_objects (status, updated_at DESC);
COMMENT ON COLUMN ops.security_log_objects.dataset_key IS 'The key without its extensions: a log object and its metadata sidecar share it';
COMMENT ON COLUMN ops.security_log_objects.lines_done IS 'Lines (across the files of a zip) committed so far; a resumed load skips them';

-- One row per event line. event_key = sha256(bucket, key, ETag, file, line): a re-delivered or resumed
-- object upserts onto its own rows (ON CONFLICT DO NOTHING). Fields no column took stay in `extra`.
CREATE TABLE silver.security_events (
  event_key           text PRIMARY KEY,
  event_time          timestamptz NOT NULL,
  time_source         text NOT NULL,
  layout              text NOT NULL CHECK (layout IN ('nxlog', 'evtx', 'sentinel', 'sysmon')),
  host                text,
  channel             text,
  provider            text,
  event_id            integer,
  user_name           text,
  process_image       text,
  command_line        text,
  parent_image        text,
  parent_command_line text,
  source_ip           inet,
  source_port         integer,
  destination_ip      inet,
  destination_port    integer,
  attack_techniques   text[] NOT NULL DEFAULT '{}',
  extra               jsonb NOT NULL DEFAULT '{}'::jsonb,
  bucket              text NOT NULL,
  object_key          text NOT NULL,
  etag                text NOT NULL,
  member              text NOT NULL DEFAULT '',
  line_no             integer NOT NULL,
  ingested_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_events_object_idx ON silver.security_events (bucket, object_key, etag, member, line_no);
CREATE INDEX security_events_host_time_idx ON silver.security_events (host, event_time DESC);
CREATE INDEX security_events_event_id_idx ON silver.security_events (event_id, event_time DESC);
CREATE INDEX security_events_source_ip_idx ON silver.security_events (source_ip) WHERE source_ip IS NOT NULL;
CREATE INDEX security_events_destination_ip_idx ON silver.security_events (destination_ip) WHERE destination_ip IS NOT NULL;
COMMENT ON COLUMN silver.security_events.channel IS 'Lower-cased: exports spell Security and security within one file';
COMMENT ON COLUMN silver.security_events.time_source IS 'The field (and zone rule) event_time came from, e.g. TimeCreated+offset(UtcTime)';
COMMENT ON COLUMN silver.security_events.member IS 'The file inside a zip; empty for a plain or gzipped object';

-- Lines that could not become events, with their file, line number and reason; the whole line is also
-- copied to bronze quarantine/security-logs/… (quarantine_key).
CREATE TABLE ops.security_log_rejects (
  bucket          text NOT NULL,
  object_key      text NOT NULL,
  etag            text NOT NULL,
  member          text NOT NULL DEFAULT '',
  line_no         integer NOT NULL,
  reason          text NOT NULL,
  detail          text NOT NULL,
  line_head       text NOT NULL,
  line_bytes      integer NOT NULL,
  quarantine_key  text,
  rejected_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bucket, object_key, etag, member, line_no)
);
CREATE INDEX security_log_rejects_reason_idx ON ops.security_log_rejects (reason, rejected_at DESC);

-- What the detection rules found: one row per rule, object version and host, with the evidence (the
-- event_keys of silver.security_events that matched). Keyed, so evaluating again rewrites the same rows.
CREATE TABLE silver.detections (
  detection_id        text PRIMARY KEY,
  rule_id             text NOT NULL,
  rule_title          text NOT NULL,
  technique_id        text NOT NULL CHECK (technique_id ~ '^T[0-9]{4}(\.[0-9]{3})?$'),
  severity            text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  cve_id              text,
  kev_listed          boolean NOT NULL DEFAULT false,
  host                text,
  first_event_at      timestamptz NOT NULL,
  last_event_at       timestamptz NOT NULL,
  evidence_count      integer NOT NULL CHECK (evidence_count > 0),
  evidence_event_keys text[] NOT NULL,
  bucket              text NOT NULL,
  object_key          text NOT NULL,
  etag                text NOT NULL,
  rules_version       text NOT NULL,
  rules_digest        text NOT NULL,
  detected_at         timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX detections_object_idx ON silver.detections (bucket, object_key, etag);
CREATE INDEX detections_technique_idx ON silver.detections (technique_id, first_event_at DESC);
CREATE INDEX detections_host_idx ON silver.detections (host, first_event_at DESC);
COMMENT ON COLUMN silver.detections.evidence_event_keys IS 'event_key of the matching events (the first 1000; evidence_count counts all)';
COMMENT ON COLUMN silver.detections.kev_listed IS 'cve_id was in raw.kev_vulnerabilities when the rules ran';
