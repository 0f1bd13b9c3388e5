-- Scores are in [0, 1] (the event schema and a CHECK on raw.threat_events say so); this guards the marts
-- against a transformation that breaks it. Returns the offending rows.
select 'fct_threat_events' as model, event_id as row_key, score as value
from {{ ref('fct_threat_events') }}
where score < 0 or score > 1
union all
select 'fct_threat_events_daily', daily_key, min_score
from {{ ref('fct_threat_events_daily') }}
where min_score < 0 or max_score > 1 or avg_score < 0 or avg_score > 1
