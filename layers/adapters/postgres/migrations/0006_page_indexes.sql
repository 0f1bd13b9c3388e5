-- The actor and IP indexes of 0002 ordered events by ts alone, so every page of an actor's events or of an
-- IP pivot sorted its rows again by (ts, event_id), the keyset order. In that full order the page is read
-- straight off the index. Analysts narrow an actor to one tactic often enough (the page's filters) for
-- that pair to get its own index: through the actor index alone, such a page visits a dozen rows per row
-- it returns.
DROP INDEX IF EXISTS raw.threat_events_actor_idx;
CREATE INDEX threat_events_actor_page_idx ON raw.threat_events (actor, ts DESC, event_id DESC);
DROP INDEX IF EXISTS raw.threat_events_ip_idx;
CREATE INDEX threat_events_ip_page_idx ON raw.threat_events (ip, ts DESC, event_id DESC);
CREATE INDEX threat_events_actor_tactic_page_idx ON raw.threat_events (actor, tactic, ts DESC, event_id DESC);
