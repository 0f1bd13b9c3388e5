-- Detections with their ATT&CK technique and, where the rule names a CVE, whether CISA lists it as known
-- exploited (KEV) now: the detection row itself only remembers what KEV said when the rules ran.
select
    d.detection_id,
    d.rule_id,
    d.rule_title,
    d.technique_id,
    split_part(d.technique_id, '.', 1) as parent_technique_id,
    d.severity,
    d.host,
    {{ date_key('d.first_event_at') }} as date_key,
    d.first_event_at,
    d.last_event_at,
    d.evidence_count,
    d.evidence_event_keys,
    d.cve_id,
    k.cve_id is not null as in_kev,
    k.date_added as kev_date_added,
    k.ransomware_known as kev_ransomware_known,
    d.bucket,
    d.object_key,
    d.etag,
    d.rules_version,
    d.detected_at,
    d.updated_at
from {{ source('silver', 'detections') }} as d
left join {{ source('raw', 'kev_vulnerabilities') }} as k
    on k.cve_id = d.cve_id
    and k.removed_in_version is null
