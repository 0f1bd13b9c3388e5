{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['event_id'], 'unique': true},
            {'columns': ['ingested_at']},
            {'columns': ['ts']},
        ],
    )
}}
-- One row per threat event, keyed to its actor, target IP and day. Incremental: each run merges the rows
-- ingested since the newest one already here, minus the lookback window (macros/incremental.sql), so late
-- and re-delivered events update their row instead of adding one. The unique index makes the merge's
-- match on event_id an index lookup; the one on ingested_at makes the watermark query instant.
select
    event_id,
    ts,
    {{ date_key('ts') }} as event_date_key,
    {{ vigil_key(['actor']) }} as actor_key,
    {{ vigil_key(['host(ip)']) }} as ip_key,
    actor,
    ip,
    event_type,
    tactic,
    score,
    country,
    channel,
    message,
    extra,
    kafka_topic,
    kafka_partition,
    kafka_offset,
    kafka_timestamp,
    bronze_key,
    ingested_at
from {{ ref('stg_threat_events') }} as events
{% if is_incremental() %}
where {{ incremental_window('events') }}
{% endif %}
