import pg from "pg";
import { type Settings, settings } from "./config";
import { perContainer } from "./container";
import { logger } from "./logger";

/**
 * A pool of up to PG_POOL_MAX connections, opened on first use; `options` are server settings for each,
 * after DateStyle ISO: the timestamp text that node-postgres and the event reads parse, whatever the
 * server's default.
 */
export function postgresPool(s: Settings, options = ""): pg.Pool {
  // allowExitOnIdle: idle connections do not keep a script or `invoke local` from exiting.
  const pool = new pg.Pool({
    connectionString: s.DATABASE_URL,
    max: s.PG_POOL_MAX,
    idleTimeoutMillis: 30_000,
    allowExitOnIdle: true,
    options: `-c DateStyle=ISO ${options}`.trim(),
  });
  // A connection the server drops (a restart, a failover) emits "error"; without a listener Node crashes
  // the whole container. The pool's own listener misses a connection it is closing at that moment, so
  // every connection gets one too. The pool replaces lost connections on next use: a warning is enough.
  const lost = (error: Error) => logger.warn("postgres: connection lost", { error: error.message });
  pool.on("error", lost);
  pool.on("connect", (client) => client.on("error", lost));
  return pool;
}

/** The two pools of a container (see Clients): `pool` for writes and value-planned reads, `readPool` for keyset reads. */
export interface PostgresPools {
  pool: pg.Pool;
  readPool: pg.Pool;
}

/** The two pools for `s`; `options` (server settings) go to both. */
export function postgresPoolsFor(s: Settings, options = ""): PostgresPools {
  return {
    pool: postgresPool(s, options),
    readPool: postgresPool(s, `-c plan_cache_mode=force_generic_plan ${options}`),
  };
}

/** Ends both pools; one that fails to end does not keep the other open. */
export const endPools = (p: PostgresPools) => Promise.allSettled([p.pool.end(), p.readPool.end()]);

/** This container's pools, opened on first use. */
export const postgres = /* @__PURE__ */ perContainer(() => postgresPoolsFor(settings()), endPools);

/**
 * This container's pools for the query API: reads only, each statement stopped by the server after
 * API_STATEMENT_TIMEOUT_MS, so one that would outlast its request (a lock held by a migration, a plan gone
 * wrong) ends as a 503 instead of running on after the function has timed out. The ingest and feed
 * functions' pools (`postgres`) have no limit: their upserts and COPYs run for minutes.
 */
export const apiPostgres = /* @__PURE__ */ perContainer(() => {
  const s = settings();
  return postgresPoolsFor(s, `-c statement_timeout=${s.API_STATEMENT_TIMEOUT_MS}`);
}, endPools);
