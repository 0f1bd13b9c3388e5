-- Every IP address Vigil knows: the targets of threat events and the hosts of URLhaus URLs that are
-- addresses. The URL side comes from dim_url, so every host_ip_key there has its row here.
with threat_ips as (
    select
        host(ip)::inet as ip,
        min(ts) as first_targeted_at,
        max(ts) as last_targeted_at,
        count(*) as threat_event_count,
        count(distinct actor) as actor_count
    from {{ ref('stg_threat_events') }}
    where ip is not null
    group by 1
),

url_ips as (
    select
        host(host_ip)::inet as ip,
        count(*) as url_count,
        min(date_added) as first_url_added_at
    from {{ ref('dim_url') }}
    where host_ip is not null
    group by 1
)

select
    {{ vigil_key(['host(ip)']) }} as ip_key,
    ip,
    family(ip) as ip_version,
    {{ ip_scope('ip') }} as ip_scope,
    coalesce(t.threat_event_count, 0) as threat_event_count,
    coalesce(t.actor_count, 0) as actor_count,
    t.first_targeted_at,
    t.last_targeted_at,
    coalesce(u.url_count, 0) as url_count,
    u.first_url_added_at
from threat_ips as t
full outer join url_ips as u using (ip)
