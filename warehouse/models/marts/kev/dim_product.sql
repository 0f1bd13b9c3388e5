-- One row per KEV product of a vendor (the same product name under two vendors is two products).
select
    {{ vigil_key(['vendor_project', 'product']) }} as product_key,
    {{ vigil_key(['vendor_project']) }} as vendor_key,
    mode() within group (order by product) as product_name,
    mode() within group (order by vendor_project) as vendor_name,
    count(*) filter (where not is_removed) as cve_count,
    count(*) filter (where not is_removed and ransomware_known) as ransomware_cve_count,
    min(date_added) as first_added,
    max(date_added) as last_added
from {{ ref('stg_kev') }}
group by 1, 2
