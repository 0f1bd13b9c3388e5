-- Vigil cannot observe a change of a URL before URLhaus added it. An event that does points at a wrong
-- clock or a mixed-up URLhaus id. Returns the offending events.
select e.event_id, e.url_key, e.ts, u.date_added
from {{ ref('fact_url_events') }} as e
join {{ ref('dim_url') }} as u on u.url_key = e.url_key
where e.ts < u.date_added
