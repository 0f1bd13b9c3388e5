-- One row per KEV vendor, keyed on the normalised name case-insensitively, so "Array Networks " and
-- "Array Networks" are one vendor.
select
    {{ vigil_key(['vendor_project']) }} as vendor_key,
    mode() within group (order by vendor_project) as vendor_name,
    array_agg(distinct vendor_project_raw order by vendor_project_raw) as published_names,
    count(distinct lower(trim(product))) as product_count,
    count(*) filter (where not is_removed) as cve_count,
    count(*) filter (where not is_removed and ransomware_known) as ransomware_cve_count,
    count(*) filter (where is_removed) as removed_cve_count,
    min(date_added) as first_added,
    max(date_added) as last_added
from {{ ref('stg_kev') }}
group by 1
