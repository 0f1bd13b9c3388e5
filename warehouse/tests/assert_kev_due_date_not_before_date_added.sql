-- A KEV due date never precedes the date the CVE was added, except the deadlines of Emergency Directives
-- that CISA carried into the catalogue's first release (the real catalogue has 15, all citing "ED xx-yy").
-- Returns the offending CVEs.
select cve_id, date_added, due_date
from {{ ref('fact_kev') }}
where due_date < date_added
    and not cites_emergency_directive
