-- The life of each URL, one row per change event in order: the status it moved from and to, and how long
-- it stayed until the next change. Rebuilt from fct_urlhaus_threat_events on every run, because a late
-- event changes its neighbours' previous status and time in state.
select
    e.event_id,
    e.url_key,
    e.ts,
    e.event_date_key,
    e.change,
    e.url_status,
    lag(e.url_status) over url_history as previous_url_status,
    e.url_status is distinct from lag(e.url_status) over url_history as status_changed,
    e.threat,
    e.tags,
    e.tag_count,
    lead(e.ts) over url_history as next_event_at,
    lead(e.ts) over url_history is null as is_latest,
    extract(epoch from lead(e.ts) over url_history - e.ts) / 3600.0 as hours_in_state,
    u.date_added as url_date_added,
    extract(epoch from e.ts - u.date_added) / 3600.0 as hours_since_url_added
from {{ ref('fct_urlhaus_threat_events') }} as e
left join {{ ref('dim_url') }} as u on u.url_key = e.url_key
window url_history as (partition by e.url_key order by e.ts, e.event_id)
