-- One row per URLhaus URL: its current state from the feed table, or, for a URL known only from
-- `urlhaus.events` (its state not stored here), from its latest event. Keyed by URLhaus's own id.
with latest_event as (
    select distinct on (urlhaus_id) *
    from {{ ref('stg_urlhaus_events') }}
    order by urlhaus_id, ts desc, event_id desc
),

event_summary as (
    select
        urlhaus_id,
        count(*) as event_count,
        min(ts) as first_event_at,
        max(ts) as last_event_at,
        min(date_added) as date_added
    from {{ ref('stg_urlhaus_events') }}
    group by urlhaus_id
),

urls as (
    select
        coalesce(u.urlhaus_id, e.urlhaus_id) as urlhaus_id,
        coalesce(u.url, e.url) as url,
        coalesce(u.host, e.host) as host,
        coalesce(u.host_ip, e.host_ip) as host_ip,
        coalesce(u.url_status, e.url_status) as url_status,
        coalesce(u.threat, e.threat) as threat,
        coalesce(u.tags, e.tags) as tags,
        coalesce(u.last_online, e.last_online) as last_online,
        coalesce(u.reporter, e.reporter) as reporter,
        u.date_added as feed_date_added,
        u.urlhaus_link,
        u.revision,
        u.first_seen_at,
        u.last_seen_at,
        u.last_changed_at,
        u.urlhaus_id is not null as in_feed_state
    from {{ ref('stg_urlhaus') }} as u
    full outer join latest_event as e on e.urlhaus_id = u.urlhaus_id
)

select
    urls.urlhaus_id as url_key,
    urls.url,
    urls.host,
    urls.host_ip,
    {{ vigil_key(['host(urls.host_ip)']) }} as host_ip_key,
    urls.url_status,
    urls.threat,
    urls.tags,
    cardinality(urls.tags) as tag_count,
    -- URLhaus's own date; an event-only URL has the one its events carried
    coalesce(urls.feed_date_added, s.date_added) as date_added,
    urls.last_online,
    urls.reporter,
    urls.urlhaus_link,
    urls.revision,
    urls.first_seen_at,
    urls.last_seen_at,
    urls.last_changed_at,
    urls.in_feed_state,
    coalesce(s.event_count, 0) as event_count,
    s.first_event_at,
    s.last_event_at
from urls
left join event_summary as s on s.urlhaus_id = urls.urlhaus_id
