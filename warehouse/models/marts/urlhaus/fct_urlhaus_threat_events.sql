{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['event_id'], 'unique': true},
            {'columns': ['ingested_at']},
            {'columns': ['url_key', 'ts']},
        ],
    )
}}
-- One row per `urlhaus.events` event (a URL added, or its status or tags changed), keyed to its URL, host
-- IP and day. Incremental like fct_threat_events: merged on event_id over the lookback window.
select
    event_id,
    ts,
    {{ date_key('ts') }} as event_date_key,
    urlhaus_id as url_key,
    {{ vigil_key(['host(host_ip)']) }} as host_ip_key,
    change,
    url_status,
    threat,
    tags,
    tag_count,
    url,
    host,
    date_added,
    last_online,
    reporter,
    kafka_topic,
    kafka_partition,
    kafka_offset,
    kafka_timestamp,
    bronze_key,
    ingested_at
from {{ ref('stg_urlhaus_events') }} as events
{% if is_incremental() %}
where {{ incremental_window('events') }}
{% endif %}
