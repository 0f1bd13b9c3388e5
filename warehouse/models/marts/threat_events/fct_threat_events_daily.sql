-- Threat events per UTC day, actor and tactic: the series the investigation page charts. Rebuilt from
-- fct_threat_events each run (a few rows per day, cheap to recompute, never out of step with the fact).
select
    {{ vigil_key(['event_date_key', "coalesce(actor_key, '-')", "coalesce(tactic, '-')"]) }} as daily_key,
    event_date_key as date_key,
    actor_key,
    tactic,
    count(*) as event_count,
    -- the threshold the investigation queries use for "high"
    count(*) filter (where score > 0.8) as high_score_event_count,
    count(score) as scored_event_count,
    avg(score) as avg_score,
    min(score) as min_score,
    max(score) as max_score,
    count(distinct ip_key) as target_ip_count,
    min(ts) as first_event_at,
    max(ts) as last_event_at
from {{ ref('fct_threat_events') }}
group by event_date_key, actor_key, tactic
