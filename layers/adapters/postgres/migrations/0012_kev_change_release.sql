-- A KEV change belongs to the release that brought it, not only to its catalogue version: CISA sometimes
-- publishes a version again later the same day with more changes, and a field the first release had already
-- changed, changed again by the second, matched the first change's key (version, CVE, change, field) and was
-- dropped. The key now holds the release (its dateReleased), so loading the same release twice still records
-- nothing twice, and a later release of the version records its own changes.
--
-- Changes recorded before this migration take their version's release as kev_catalogs holds it: the release
-- loaded last, which for a version published twice is the second one (its first release is not kept
-- anywhere in Postgres; its bronze snapshot has it).
ALTER TABLE raw.kev_changes ADD COLUMN catalog_released_at timestamptz;

UPDATE raw.kev_changes AS ch SET catalog_released_at = coalesce(
  (SELECT c.date_released FROM raw.kev_catalogs AS c WHERE c.catalog_version = ch.catalog_version),
  ch.recorded_at);

ALTER TABLE raw.kev_changes ALTER COLUMN catalog_released_at SET NOT NULL;
COMMENT ON COLUMN raw.kev_changes.catalog_released_at IS
  'When CISA released the catalogue that brought the change (its dateReleased)';

DROP INDEX raw.kev_changes_once_idx;
CREATE UNIQUE INDEX kev_changes_once_idx
  ON raw.kev_changes (catalog_version, catalog_released_at, cve_id, change, (coalesce(field, '')));
