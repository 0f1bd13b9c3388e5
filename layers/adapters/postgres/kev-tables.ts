import type pg from "pg";
import { ServiceUnavailableError } from "../../core/errors";
import { fromKevRow, type KevRow } from "../../core/feeds/kev-catalog";
import { KEV_SOURCE, type KevLoad, type KevStore } from "../../core/feeds/kev-run";
import { inTransaction, saveFeedState } from "./feed-runs";
import { FEED_TABLES, type FeedTables } from "./feed-tables";

const KEV_COLUMNS = `cve_id text, vendor_project_raw text, vendor_project text, product text,
  vulnerability_name text, date_added date, short_description text, required_action text, due_date date,
  known_ransomware_campaign_use text, ransomware_known boolean, notes text, notes_urls text[], cwes text[]`;
const KEV_NAMES = KEV_COLUMNS.split(",").map((c) => c.trim().split(/\s+/)[0] ?? "");
const KEV_UPDATABLE = KEV_NAMES.filter((c) => c !== "cve_id");

// The whole catalogue in one statement (rows as one jsonb parameter). A row whose published fields are
// unchanged still gets the new catalog_version: "seen in" is part of its state, the history is not touched.
const UPSERT_KEV = (t: FeedTables) => `
INSERT INTO ${t.kevVulnerabilities} (${KEV_NAMES.join(", ")}, first_catalog_version, catalog_version, snapshot_key)
SELECT ${KEV_NAMES.join(", ")}, $2, $2, $3 FROM jsonb_to_recordset($1::jsonb) AS r(${KEV_COLUMNS})
ON CONFLICT (cve_id) DO UPDATE SET ${KEV_UPDATABLE.map((c) => `${c} = EXCLUDED.${c}`).join(", ")},
  catalog_version = EXCLUDED.catalog_version, snapshot_key = EXCLUDED.snapshot_key, removed_in_version = NULL,
  updated_at = CASE WHEN (${KEV_UPDATABLE.map((c) => `${t.kevVulnerabilities}.${c}`).join(", ")})
    IS DISTINCT FROM (${KEV_UPDATABLE.map((c) => `EXCLUDED.${c}`).join(", ")})
    OR ${t.kevVulnerabilities}.removed_in_version IS NOT NULL THEN now()
    ELSE ${t.kevVulnerabilities}.updated_at END`;

const MARK_REMOVED = (t: FeedTables) => `
UPDATE ${t.kevVulnerabilities} SET removed_in_version = $2, updated_at = now()
WHERE cve_id = ANY($1::text[]) AND removed_in_version IS NULL`;

// Keyed by the release as well as the version (migration 0012): a version published again later records the
// changes its second release brought, a field changed by both releases included.
const INSERT_CHANGES = (t: FeedTables) => `
INSERT INTO ${t.kevChanges} (cve_id, change, field, before, after, catalog_version, catalog_released_at,
  previous_catalog_version, run_id)
SELECT cve_id, change, field, before, after, $2, $3, $4, $5
FROM jsonb_to_recordset($1::jsonb) AS r(cve_id text, change text, field text, before jsonb, after jsonb)
ON CONFLICT (catalog_version, catalog_released_at, cve_id, change, (coalesce(field, ''))) DO NOTHING`;

// A version published again later (a later dateReleased) takes its release, count and snapshot: latest()
// then reads the release loaded last, and the next poll of the same bytes is "unchanged".
const INSERT_CATALOG = (t: FeedTables) => `
INSERT INTO ${t.kevCatalogs} AS c (catalog_version, date_released, entry_count, snapshot_key, run_id)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (catalog_version) DO UPDATE
  SET date_released = EXCLUDED.date_released, entry_count = EXCLUDED.entry_count,
      snapshot_key = EXCLUDED.snapshot_key, run_id = EXCLUDED.run_id
  WHERE EXCLUDED.date_released > c.date_released`;

/** The KEV tables in Postgres; a catalogue version is written in one transaction or not at all. */
export function postgresKevStore(pool: pg.Pool, t: FeedTables = FEED_TABLES): KevStore {
  return {
    async current() {
      try {
        const { rows } = await pool.query<KevRow>(
          `SELECT cve_id, vendor_project_raw, product, vulnerability_name, to_char(date_added, 'YYYY-MM-DD') AS date_added,
             short_description, required_action, to_char(due_date, 'YYYY-MM-DD') AS due_date,
             known_ransomware_campaign_use, notes, cwes
           FROM ${t.kevVulnerabilities} WHERE removed_in_version IS NULL`,
        );
        return rows.map(fromKevRow);
      } catch (error) {
        throw new ServiceUnavailableError(
          "postgres",
          `reading the stored KEV catalogue: ${(error as Error).message}`,
          error,
        );
      }
    },
    async latest() {
      try {
        const { rows } = await pool.query<{ catalog_version: string; date_released: Date }>(
          `SELECT catalog_version, date_released FROM ${t.kevCatalogs} ORDER BY date_released DESC LIMIT 1`,
        );
        const row = rows[0];
        return row ? { version: row.catalog_version, dateReleased: row.date_released.toISOString() } : null;
      } catch (error) {
        throw new ServiceUnavailableError(
          "postgres",
          `reading the KEV catalogues: ${(error as Error).message}`,
          error,
        );
      }
    },
    async apply(load: KevLoad) {
      await inTransaction(pool, `loading KEV ${load.catalogVersion}`, async (client) => {
        await client.query(INSERT_CATALOG(t), [
          load.catalogVersion,
          load.dateReleased,
          load.count,
          load.snapshotKey,
          load.runId,
        ]);
        await client.query(UPSERT_KEV(t), [JSON.stringify(load.rows), load.catalogVersion, load.snapshotKey]);
        const removed = load.diff.changes.flatMap((c) => (c.change === "removed" ? [c.cve_id] : []));
        if (removed.length > 0) await client.query(MARK_REMOVED(t), [removed, load.catalogVersion]);
        if (load.diff.changes.length > 0) {
          await client.query(INSERT_CHANGES(t), [
            JSON.stringify(load.diff.changes),
            load.catalogVersion,
            load.dateReleased,
            load.previousVersion,
            load.runId,
          ]);
        }
        await saveFeedState(client, t, KEV_SOURCE, {
          url: load.feedState.url,
          validators: load.feedState.validators,
          version: load.catalogVersion,
          snapshotKey: load.snapshotKey,
        });
      });
    },
  };
}
