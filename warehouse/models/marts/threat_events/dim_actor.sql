-- One row per threat actor, keyed case-insensitively ("FIN7" and "fin7" are one actor).
select
    {{ vigil_key(['actor']) }} as actor_key,
    -- the spelling producers use most, ties broken alphabetically
    mode() within group (order by actor) as actor_name,
    count(distinct actor) as spelling_count,
    min(ts) as first_seen_at,
    max(ts) as last_seen_at,
    count(*) as event_count,
    count(distinct ip) as target_ip_count
from {{ ref('stg_threat_events') }}
where actor is not null
group by 1
