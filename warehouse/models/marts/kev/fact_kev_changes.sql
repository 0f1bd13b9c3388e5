-- One row per recorded KEV change (added, removed, or one modified field), with when CISA released the
-- catalogue that brought it.
select
    ch.change_id,
    ch.cve_id,
    ch.change,
    ch.field,
    ch.before,
    ch.after,
    ch.catalog_version,
    ch.previous_catalog_version,
    ch.catalog_released_at,
    ch.recorded_at,
    {{ date_key('ch.recorded_at') }} as recorded_date_key,
    ch.run_id
from {{ ref('stg_kev_changes') }} as ch
