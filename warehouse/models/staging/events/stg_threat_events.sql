-- The threat events as landed, one row per event_id (its newest version), named for the marts.
-- Values were validated by the ingest (zod), so this only renames and types; nothing is filtered.
select
    event_id,
    ts,
    type as event_type,
    msg as message,
    actor,
    ip,
    tactic,
    score,
    -- char(2) would compare padded; the codes are exactly two letters anyway
    cast(country as text) as country,
    channel,
    extra,
    kafka_topic,
    kafka_partition,
    kafka_offset,
    kafka_timestamp,
    bronze_key,
    ingested_at
from {{ source('raw', 'threat_events') }}
