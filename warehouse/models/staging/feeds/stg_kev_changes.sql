-- Every change a KEV catalogue version brought: added, removed, or one row per modified field.
select
    change_id,
    cve_id,
    change,
    field,
    before,
    after,
    catalog_version,
    catalog_released_at,
    previous_catalog_version,
    run_id,
    recorded_at
from {{ source('raw', 'kev_changes') }}
