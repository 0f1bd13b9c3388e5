-- The URL list's threat and tag filters were left to its date index, which serves a common value well and a
-- rare one by testing every URL newer than its page: a tag or threat no URL has read the whole table (a tag:
-- 33 ms on 10,000 URLs, growing with the table, which keeps every URL the feed has listed). The threat gets
-- an index in the list's page order, like the host. Tags are matched case-insensitively (URLhaus spells them
-- as reporters typed them: Mozi, mozi), so their index is a GIN index on the tags in lower case; the list is
-- planned for its values, and reads it for a tag few URLs carry and the date index for a common one.
CREATE INDEX urlhaus_urls_threat_page_idx ON raw.urlhaus_urls (threat, date_added DESC, urlhaus_id DESC);

CREATE FUNCTION raw.lower_tags(tags text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT lower(tag) FROM unnest(tags) AS tag);
COMMENT ON FUNCTION raw.lower_tags(text[]) IS 'A URL''s tags in lower case (the URL list''s tag filter and its index)';

CREATE INDEX urlhaus_urls_tags_idx ON raw.urlhaus_urls USING gin (raw.lower_tags(tags));

-- The planner's estimate of a tag's share comes from the statistics of the index's expression.
ANALYZE raw.urlhaus_urls;
