-- The IP pivot's URLs and sightings as the API returns them, written once with each row instead of at every
-- read. The pivot wrote 20 URLs and 20 sightings with row_to_json on every request, which Postgres does
-- column by column, looking each column's type and output function up again for every row (12–15 µs a
-- sighting): half of the pivot statement's time, on the one server every container shares. Stored with the
-- row, the JSON costs its writer that once (an insert, a feed run's update of the URL) and each pivot only
-- its reading; the URL list reads the same text, so a URL has one API form.
--
-- The sighting function lists every column of its table: a column added to the table later is added to it
-- in the migration that adds it (an integration test compares each sighting with its row). It fixes the
-- session's TimeZone for the call, as row_to_json writes a timestamptz in it, so the text never depends on
-- the writer's settings. The URL function lists the API's fields (the test compares them with the API
-- schema's) and writes its times in UTC itself.

-- A sighting is the whole row, as row_to_json writes it.
CREATE FUNCTION silver.security_event_api_json(
  event_key text, event_time timestamptz, time_source text, layout text, host text, channel text, provider text,
  event_id integer, user_name text, process_image text, command_line text, parent_image text,
  parent_command_line text, source_ip inet, source_port integer, destination_ip inet, destination_port integer,
  attack_techniques text[], extra jsonb, bucket text, object_key text, etag text, member text, line_no integer,
  ingested_at timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE SET "TimeZone" = 'UTC'
AS $$
  SELECT row_to_json(s)::text FROM (SELECT event_key, event_time, time_source, layout, host, channel, provider,
    event_id, user_name, process_image, command_line, parent_image, parent_command_line, source_ip, source_port,
    destination_ip, destination_port, attack_techniques, extra, bucket, object_key, etag, member, line_no,
    ingested_at) AS s
$$;

ALTER TABLE silver.security_events ADD COLUMN api_json text COMPRESSION lz4 GENERATED ALWAYS AS (
  silver.security_event_api_json(event_key, event_time, time_source, layout, host, channel, provider, event_id,
    user_name, process_image, command_line, parent_image, parent_command_line, source_ip, source_port,
    destination_ip, destination_port, attack_techniques, extra, bucket, object_key, etag, member, line_no,
    ingested_at)) STORED;
COMMENT ON COLUMN silver.security_events.api_json IS 'The row as the API returns it (the IP pivot''s sightings)';

-- A URL as the API returns it: the id as text (URLhaus ids may exceed 2^53), times in UTC to the millisecond.
CREATE FUNCTION raw.urlhaus_url_api_json(
  urlhaus_id bigint, url text, host text, url_status text, threat text, tags text[], date_added timestamptz,
  last_online timestamptz, reporter text, urlhaus_link text, last_seen_at timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT row_to_json(u)::text FROM (SELECT urlhaus_id::text AS urlhaus_id, url, host, url_status, threat, tags,
    to_char(date_added AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS date_added,
    to_char(last_online AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_online, reporter, urlhaus_link,
    to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_seen_at) AS u
$$;

ALTER TABLE raw.urlhaus_urls ADD COLUMN api_json text COMPRESSION lz4 GENERATED ALWAYS AS (
  raw.urlhaus_url_api_json(urlhaus_id, url, host, url_status, threat, tags, date_added, last_online, reporter,
    urlhaus_link, last_seen_at)) STORED;
COMMENT ON COLUMN raw.urlhaus_urls.api_json IS 'The URL as the API returns it (the URL list and the IP pivot)';
