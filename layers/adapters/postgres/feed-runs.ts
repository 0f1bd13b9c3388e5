import type pg from "pg";
import { ServiceUnavailableError } from "../../core/errors";
import type { FeedRunLog, FeedRunSummary, FeedState, FeedValidators } from "../../core/feeds/feed-source";
import { FEED_TABLES, type FeedTables } from "./feed-tables";

const unavailable = (what: string, error: unknown) =>
  new ServiceUnavailableError("postgres", `${what}: ${(error as Error).message}`, error);

/** `ops.feed_runs` (one row per run, opened as 'running' and closed with its outcome) and `ops.feed_state`. */
export function postgresFeedRunLog(pool: pg.Pool, t: FeedTables = FEED_TABLES): FeedRunLog {
  return {
    async start(source, url) {
      try {
        const { rows } = await pool.query<{ run_id: string }>(
          `INSERT INTO ${t.feedRuns} (source, url) VALUES ($1, $2) RETURNING run_id`,
          [source, url],
        );
        return Number(rows[0]?.run_id);
      } catch (error) {
        throw unavailable("opening the feed run", error);
      }
    },
    async finish(s: FeedRunSummary) {
      try {
        await pool.query(
          `UPDATE ${t.feedRuns} SET ended_at = now(), outcome = $2, http_status = $3, bytes = $4, records = $5,
             added = $6, changed = $7, unchanged = $8, removed = $9, rejected = $10, published = $11,
             version = $12, snapshot_key = $13, error = $14
           WHERE run_id = $1`,
          [
            s.runId,
            s.outcome,
            s.httpStatus,
            s.bytes,
            s.records,
            s.added,
            s.changed,
            s.unchanged,
            s.removed,
            s.rejected,
            s.published,
            s.version,
            s.snapshotKey,
            s.error,
          ],
        );
      } catch (error) {
        throw unavailable(`closing feed run ${s.runId}`, error);
      }
    },
    async saveState(source, state) {
      try {
        await saveFeedState(pool, t, source, state);
      } catch (error) {
        throw unavailable("saving the feed state", error);
      }
    },
    async state(source): Promise<FeedState | null> {
      try {
        const { rows } = await pool.query<{
          url: string;
          etag: string | null;
          last_modified: string | null;
          version: string | null;
          snapshot_key: string | null;
        }>(`SELECT url, etag, last_modified, version, snapshot_key FROM ${t.feedState} WHERE source = $1`, [
          source,
        ]);
        const row = rows[0];
        if (!row) return null;
        return {
          url: row.url,
          validators: { etag: row.etag, lastModified: row.last_modified },
          version: row.version,
          snapshotKey: row.snapshot_key,
        };
      } catch (error) {
        throw unavailable("reading the feed state", error);
      }
    },
  };
}

/**
 * Records the validators and version of a good load. Called inside the load's own transaction, so the
 * state never says "seen" for data that did not commit.
 */
export async function saveFeedState(
  client: pg.Pool | pg.ClientBase,
  t: FeedTables,
  source: string,
  state: {
    url: string;
    validators: FeedValidators | null;
    version: string | null;
    snapshotKey: string | null;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO ${t.feedState} (source, url, etag, last_modified, version, snapshot_key, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (source) DO UPDATE SET url = EXCLUDED.url, etag = EXCLUDED.etag,
       last_modified = EXCLUDED.last_modified, version = EXCLUDED.version,
       snapshot_key = EXCLUDED.snapshot_key, updated_at = now()`,
    [
      source,
      state.url,
      state.validators?.etag ?? null,
      state.validators?.lastModified ?? null,
      state.version,
      state.snapshotKey,
    ],
  );
}

/** Runs `work` in one transaction on a pooled client; any failure rolls back and is retryable. */
export async function inTransaction<T>(
  pool: pg.Pool,
  what: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw unavailable(what, error);
  });
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw unavailable(what, error);
  } finally {
    client.release();
  }
}
