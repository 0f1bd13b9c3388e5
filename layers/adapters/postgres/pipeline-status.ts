import type pg from "pg";
import {
  EXACT_COUNT_UP_TO,
  FEED_RUN_INTERRUPTED_AFTER_MINUTES,
  type FeedRun,
  PIPELINE_TABLES,
  type TableSize,
} from "../../core/api/pipeline";
import { readRows } from "./read";

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const FEED_RUN_COLUMNS = `run_id, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
  to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ended_at,
  CASE WHEN outcome = 'running'
        AND started_at < now() - interval '${FEED_RUN_INTERRUPTED_AFTER_MINUTES} minutes' THEN 'interrupted'
       ELSE outcome END AS outcome,
  http_status, records, added, changed, removed, rejected, version, error`;

type FeedRunRow = Omit<FeedRun, "run_id"> & { run_id: string; source: string };

/** The Postgres side of the pipeline status: table sizes and the feed run history. */
export function postgresPipelineStatus(pool: pg.Pool) {
  return {
    /**
     * Rows per table of the fixed list. The statistics give every size in one cheap query; a table they
     * put above EXACT_COUNT_UP_TO keeps that estimate (a full count of millions of rows on each status
     * request would cost more than it tells), a smaller one is counted exactly.
     */
    async tables(): Promise<TableSize[]> {
      const names = PIPELINE_TABLES.map(([schema, table]) => `${schema}.${table}`);
      const stats = await readRows<{ name: string; present: boolean; estimate: string | null }>(
        pool,
        "reading table statistics",
        `SELECT n.name, to_regclass(n.name) IS NOT NULL AS present,
           (SELECT greatest(s.n_live_tup, c.reltuples::bigint) FROM pg_class c
              LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = to_regclass(n.name)) AS estimate
         FROM unnest($1::text[]) AS n(name)`,
        [names],
      );
      const sizes: TableSize[] = [];
      for (const [schema, table] of PIPELINE_TABLES) {
        const name = `${schema}.${table}`;
        const stat = stats.find((s) => s.name === name);
        if (!stat?.present || !IDENTIFIER.test(schema) || !IDENTIFIER.test(table)) {
          sizes.push({ table: name, exists: false, rows: null, estimated: false });
          continue;
        }
        const estimate = Number(stat.estimate ?? 0);
        if (estimate > EXACT_COUNT_UP_TO) {
          sizes.push({ table: name, exists: true, rows: estimate, estimated: true });
          continue;
        }
        // The identifier comes from the fixed PIPELINE_TABLES list and is checked above.
        const [row] = await readRows<{ n: string }>(
          pool,
          `counting ${name}`,
          `SELECT count(*) AS n FROM ${name}`,
        );
        sizes.push({ table: name, exists: true, rows: Number(row?.n ?? 0), estimated: false });
      }
      return sizes;
    },

    /** Per feed source, its newest run and its newest run that ended well. */
    async feeds() {
      const [last, good] = await Promise.all([
        readRows<FeedRunRow>(
          pool,
          "reading the last feed runs",
          `SELECT DISTINCT ON (source) source, ${FEED_RUN_COLUMNS} FROM ops.feed_runs
           ORDER BY source, started_at DESC, run_id DESC`,
        ),
        readRows<FeedRunRow>(
          pool,
          "reading the last good feed runs",
          `SELECT DISTINCT ON (source) source, ${FEED_RUN_COLUMNS} FROM ops.feed_runs
           WHERE outcome IN ('loaded', 'unchanged', 'not_modified')
           ORDER BY source, started_at DESC, run_id DESC`,
        ),
      ]);
      const run = ({ source: _, run_id, ...rest }: FeedRunRow): FeedRun => ({
        run_id: Number(run_id),
        ...rest,
      });
      return last.map((r) => {
        const success = good.find((g) => g.source === r.source);
        return { source: r.source, last_run: run(r), last_success: success ? run(success) : null };
      });
    },
  };
}
