-- URLhaus changes as landed from `urlhaus.events`, one row per event_id, with the host's IP when the host
-- is an address.
select
    event_id,
    ts,
    change,
    urlhaus_id,
    url,
    host,
    {{ host_ip('host') }} as host_ip,
    url_status,
    threat,
    tags,
    cardinality(tags) as tag_count,
    date_added,
    last_online,
    reporter,
    extra,
    kafka_topic,
    kafka_partition,
    kafka_offset,
    kafka_timestamp,
    bronze_key,
    ingested_at
from {{ source('raw', 'urlhaus_events') }}
