-- One row per CVE of the KEV catalogue in its current state (removed ones flagged), rebuilt from raw on
-- every run: the catalogue is a state, not a stream, so appending per run would count a CVE once per load.
with change_summary as (
    select
        cve_id,
        count(*) filter (where change = 'modified') as modification_count,
        max(recorded_at) as last_changed_at
    from {{ ref('stg_kev_changes') }}
    group by cve_id
)

select
    k.cve_id,
    {{ vigil_key(['k.vendor_project']) }} as vendor_key,
    {{ vigil_key(['k.vendor_project', 'k.product']) }} as product_key,
    k.vulnerability_name,
    k.date_added,
    {{ date_key('k.date_added', is_timestamp=false) }} as date_added_key,
    k.due_date,
    {{ date_key('k.due_date', is_timestamp=false) }} as due_date_key,
    k.remediation_days,
    k.cites_emergency_directive,
    k.known_ransomware_campaign_use,
    k.ransomware_known,
    k.cwes,
    k.cwe_count,
    cardinality(k.notes_urls) as reference_url_count,
    k.is_removed,
    k.removed_in_version,
    k.first_catalog_version,
    k.catalog_version,
    k.first_seen_at,
    k.updated_at,
    coalesce(c.modification_count, 0) as modification_count,
    c.last_changed_at
from {{ ref('stg_kev') }} as k
left join change_summary as c on c.cve_id = k.cve_id
