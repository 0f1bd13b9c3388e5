-- The IP pivot's URLs and sightings are each the newest rows of one IP, like its events (0006): indexed by
-- the IP alone, every pivot read all of them and sorted them for the newest few. An IP with 5,000 sightings
-- took 84 ms a pivot, growing with every log loaded; and a generic plan, not knowing how many URLs a host
-- has, walked the whole URL list by date (0005) filtering on the host, the longer the fewer the host has.
-- In the page order, a pivot reads one page straight off each index, however much the IP has. The URL
-- list's host filter is served by the same index.
DROP INDEX IF EXISTS raw.urlhaus_urls_host_idx;
CREATE INDEX urlhaus_urls_host_page_idx ON raw.urlhaus_urls (host, date_added DESC, urlhaus_id DESC);
DROP INDEX IF EXISTS silver.security_events_source_ip_idx;
CREATE INDEX security_events_source_ip_page_idx ON silver.security_events (source_ip, event_time DESC, event_key DESC)
  WHERE source_ip IS NOT NULL;
DROP INDEX IF EXISTS silver.security_events_destination_ip_idx;
CREATE INDEX security_events_destination_ip_page_idx
  ON silver.security_events (destination_ip, event_time DESC, event_key DESC) WHERE destination_ip IS NOT NULL;
