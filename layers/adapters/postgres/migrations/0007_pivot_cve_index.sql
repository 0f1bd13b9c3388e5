-- The IP pivot asks which detections with a CVE name one of the IP's sightings as evidence
-- (evidence_event_keys && the sightings' keys). Without an index that is a scan of every detection on every
-- pivot: 5.9 ms instead of 0.4 for a pivot once silver.detections holds 20,000 rows. Only the detections
-- that name a CVE are indexed, the only ones the question reads.
CREATE INDEX detections_cve_evidence_idx ON silver.detections USING gin (evidence_event_keys)
  WHERE cve_id IS NOT NULL;
