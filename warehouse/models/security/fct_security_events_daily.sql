-- Security events per UTC day, host, channel and Windows event id: what a host logged, day by day. Rebuilt
-- from silver each run (one row per host, day and event id; cheap to recompute, never out of step).
with events as (
    select
        {{ date_key('event_time') }} as date_key,
        cast(event_time at time zone 'UTC' as date) as event_date,
        host,
        channel,
        event_id,
        event_time,
        object_key
    from {{ source('silver', 'security_events') }}
)

select
    {{ vigil_key(['date_key', "coalesce(host, '-')", "coalesce(channel, '-')", "coalesce(cast(event_id as text), '-')"]) }}
        as daily_key,
    date_key,
    event_date,
    host,
    channel,
    event_id,
    count(*) as event_count,
    count(distinct object_key) as object_count,
    min(event_time) as first_event_at,
    max(event_time) as last_event_at
from events
group by date_key, event_date, host, channel, event_id
