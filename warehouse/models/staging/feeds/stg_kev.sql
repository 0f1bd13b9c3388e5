-- The KEV catalogue in its current state, one row per CVE, removed ones included (flagged).
select
    cve_id,
    vendor_project,
    vendor_project_raw,
    product,
    vulnerability_name,
    short_description,
    required_action,
    date_added,
    due_date,
    due_date - date_added as remediation_days,
    -- CISA carried the deadlines of earlier Emergency Directives into the catalogue's first release
    -- (2021-11-03), so those due dates precede the date added; such notes cite the directive ("ED 21-04").
    notes ~ '\mED [0-9]{2}-[0-9]{2}\M' as cites_emergency_directive,
    known_ransomware_campaign_use,
    ransomware_known,
    notes,
    notes_urls,
    cwes,
    cardinality(cwes) as cwe_count,
    removed_in_version is not null as is_removed,
    removed_in_version,
    first_catalog_version,
    catalog_version,
    first_seen_at,
    updated_at,
    snapshot_key
from {{ source('raw', 'kev_vulnerabilities') }}
