-- Kafka events, one row per event_id: the newest version by (ts, kafka_offset) wins, and every row keeps
-- its Kafka coordinates and the bronze object it was written to, so any row can be traced and replayed.
CREATE TABLE raw.threat_events (
  event_id        text PRIMARY KEY,
  ts              timestamptz NOT NULL,
  type            text,
  msg             text,
  actor           text,
  ip              inet,
  tactic          text,
  score           double precision CHECK (score >= 0 AND score <= 1),
  country         char(2),
  channel         text,
  extra           jsonb NOT NULL DEFAULT '{}'::jsonb,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  kafka_timestamp timestamptz NOT NULL,
  bronze_key      text NOT NULL,
  ingested_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threat_events_ts_idx ON raw.threat_events (ts DESC, event_id DESC);
CREATE INDEX threat_events_actor_idx ON raw.threat_events (actor, ts DESC);
CREATE INDEX threat_events_ip_idx ON raw.threat_events (ip, ts DESC);
CREATE INDEX threat_events_score_idx ON raw.threat_events (score) WHERE score > 0.8;

CREATE TABLE raw.urlhaus_events (
  event_id        text PRIMARY KEY,
  ts              timestamptz NOT NULL,
  change          text NOT NULL,
  urlhaus_id      bigint NOT NULL,
  url             text NOT NULL,
  host            text NOT NULL,
  url_status      text NOT NULL,
  threat          text,
  tags            text[] NOT NULL DEFAULT '{}',
  date_added      timestamptz,
  last_online     timestamptz,
  reporter        text,
  extra           jsonb NOT NULL DEFAULT '{}'::jsonb,
  kafka_topic     text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset    bigint NOT NULL,
  kafka_timestamp timestamptz NOT NULL,
  bronze_key      text NOT NULL,
  ingested_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX urlhaus_events_url_idx ON raw.urlhaus_events (urlhaus_id, ts DESC);
