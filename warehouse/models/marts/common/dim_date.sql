-- One row per calendar day from calendar_start (or the earliest day in the data) to three years ahead
-- (KEV due dates lie in the future), so every date key a fact carries has its row.
with data_days as (
    select min(ts at time zone 'UTC')::date as first_day, max(ts at time zone 'UTC')::date as last_day
    from {{ ref('stg_threat_events') }}
    union all
    select min(ts at time zone 'UTC')::date, max(ts at time zone 'UTC')::date
    from {{ ref('stg_urlhaus_events') }}
    union all
    select least(min(date_added), min(due_date)), greatest(max(date_added), max(due_date))
    from {{ ref('stg_kev') }}
    union all
    select min(recorded_at at time zone 'UTC')::date, max(recorded_at at time zone 'UTC')::date
    from {{ ref('stg_kev_changes') }}
),

bounds as (
    -- least/greatest skip nulls, so empty tables leave the fixed range
    select
        least(date '{{ var("calendar_start") }}', min(first_day)) as first_day,
        greatest((current_date + interval '3 years')::date, max(last_day)) as last_day
    from data_days
),

days as (
    select generate_series(first_day, last_day, interval '1 day')::date as date_day
    from bounds
)

select
    {{ date_key('date_day', is_timestamp=false) }} as date_key,
    date_day,
    cast(extract(year from date_day) as integer) as year,
    cast(extract(quarter from date_day) as integer) as quarter,
    cast(extract(month from date_day) as integer) as month,
    trim(to_char(date_day, 'Month')) as month_name,
    cast(extract(day from date_day) as integer) as day_of_month,
    cast(extract(isodow from date_day) as integer) as iso_day_of_week,
    trim(to_char(date_day, 'Day')) as day_name,
    cast(extract(isoyear from date_day) as integer) as iso_year,
    cast(extract(week from date_day) as integer) as iso_week,
    extract(isodow from date_day) in (6, 7) as is_weekend,
    date_trunc('week', date_day)::date as week_start,
    date_trunc('month', date_day)::date as month_start
from days
