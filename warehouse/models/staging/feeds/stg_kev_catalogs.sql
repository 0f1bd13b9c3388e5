-- Every KEV catalogue version loaded, with when CISA released it.
select
    catalog_version,
    date_released,
    entry_count,
    snapshot_key,
    run_id,
    loaded_at
from {{ source('raw', 'kev_catalogs') }}
