import type pg from "pg";
import { ServiceUnavailableError } from "../../core/errors";
import type { UrlhausState, UrlStatus } from "../../core/feeds/urlhaus-feed";
import { URLHAUS_SOURCE, type UrlhausLoad, type UrlhausStore } from "../../core/feeds/urlhaus-run";
import { inTransaction, saveFeedState } from "./feed-runs";
import { FEED_TABLES, type FeedTables } from "./feed-tables";

// Every URL of the poll in one statement. `revision` and `last_changed_at` move only for the URLs whose
// change was published; the others are just seen again.
const UPSERT_URLS = (t: FeedTables) => `
INSERT INTO ${t.urlhausUrls} AS u (urlhaus_id, url, host, url_status, last_online, threat, tags, urlhaus_link,
  reporter, date_added, revision, first_seen_at, last_seen_at, last_changed_at, snapshot_key)
SELECT id, url, host, url_status, last_online, threat, tags, urlhaus_link, reporter, date_added,
  coalesce(revision, 1), $2, $2, $2, $3
FROM jsonb_to_recordset($1::jsonb) AS r(id bigint, url text, host text, url_status text, last_online timestamptz,
  threat text, tags text[], urlhaus_link text, reporter text, date_added timestamptz, revision integer)
ON CONFLICT (urlhaus_id) DO UPDATE SET url = EXCLUDED.url, host = EXCLUDED.host,
  url_status = EXCLUDED.url_status, last_online = coalesce(EXCLUDED.last_online, u.last_online),
  threat = EXCLUDED.threat, tags = EXCLUDED.tags, urlhaus_link = EXCLUDED.urlhaus_link,
  reporter = EXCLUDED.reporter, date_added = EXCLUDED.date_added, last_seen_at = EXCLUDED.last_seen_at,
  snapshot_key = EXCLUDED.snapshot_key,
  revision = greatest(u.revision, EXCLUDED.revision),
  last_changed_at = CASE WHEN EXCLUDED.revision > u.revision THEN EXCLUDED.last_changed_at ELSE u.last_changed_at END`;

/** `raw.urlhaus_urls`, keyed by URLhaus id; a poll is stored in one transaction with its feed state. */
export function postgresUrlhausStore(pool: pg.Pool, t: FeedTables = FEED_TABLES): UrlhausStore {
  return {
    async states(ids) {
      try {
        const { rows } = await pool.query<{
          id: string;
          url_status: string;
          tags: string[];
          revision: number;
        }>(
          `SELECT urlhaus_id::text AS id, url_status, tags, revision
           FROM ${t.urlhausUrls} WHERE urlhaus_id = ANY($1::bigint[])`,
          [ids],
        );
        return new Map(
          rows.map((r): [string, UrlhausState] => [
            r.id,
            {
              id: r.id,
              url_status: r.url_status as UrlStatus,
              tags: [...r.tags].sort(),
              revision: r.revision,
            },
          ]),
        );
      } catch (error) {
        throw new ServiceUnavailableError(
          "postgres",
          `reading URLhaus state: ${(error as Error).message}`,
          error,
        );
      }
    },
    async apply(load: UrlhausLoad) {
      const revisions = new Map(load.next.map((s) => [s.id, s.revision]));
      const rows = load.entries.map((e) => ({ ...e, revision: revisions.get(e.id) ?? 0 }));
      await inTransaction(pool, `storing ${rows.length} URLhaus URLs`, async (client) => {
        await client.query(UPSERT_URLS(t), [JSON.stringify(rows), load.observedAt, load.snapshotKey]);
        await saveFeedState(client, t, URLHAUS_SOURCE, {
          url: load.feedState.url,
          validators: load.feedState.validators,
          version: load.feedState.version,
          snapshotKey: load.snapshotKey,
        });
      });
    },
  };
}
