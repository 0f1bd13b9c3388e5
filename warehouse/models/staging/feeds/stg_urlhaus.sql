-- URLhaus URLs in their current state, one row per URLhaus id, with the host's IP when the host is an
-- address.
select
    urlhaus_id,
    url,
    host,
    {{ host_ip('host') }} as host_ip,
    url_status,
    last_online,
    threat,
    tags,
    cardinality(tags) as tag_count,
    urlhaus_link,
    reporter,
    date_added,
    revision,
    first_seen_at,
    last_seen_at,
    last_changed_at,
    snapshot_key
from {{ source('raw', 'urlhaus_urls') }}
