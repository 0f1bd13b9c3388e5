import { httpFeedSource } from "../adapters/feeds/http-feed";
import { kafkaUrlhausEvents } from "../adapters/kafka/urlhaus-events";
import { neo4jKevGraph } from "../adapters/neo4j/feed-graph";
import { postgresFeedRunLog } from "../adapters/postgres/feed-runs";
import { postgresKevStore } from "../adapters/postgres/kev-tables";
import { postgresUrlhausStore } from "../adapters/postgres/urlhaus-tables";
import { s3Snapshots } from "../adapters/s3/bronze";
import { readSecret } from "../adapters/secrets/secrets";
import { ConfigError, ServiceUnavailableError } from "../core/errors";
import type { FeedSource } from "../core/feeds/feed-source";
import type { KevRunDeps } from "../core/feeds/kev-run";
import type { UrlhausRunDeps } from "../core/feeds/urlhaus-run";
import { settings } from "./config";
import { kafkaProducer } from "./kafka";
import { logger } from "./logger";
import { neo4jDriver } from "./neo4j";
import { postgres } from "./postgres";
import { s3Client } from "./s3";
import { secretsClient } from "./secrets";

function feedSource(): FeedSource {
  const s = settings();
  return httpFeedSource({
    timeoutMs: s.FEED_TIMEOUT_MS,
    retries: s.FEED_RETRIES,
    backoffMs: 1000,
    maxBytes: s.FEED_MAX_BYTES,
    onRetry: (info) => logger.warn("feed request failed; retrying", info),
  });
}

/** The KEV run's adapters: HTTP, bronze snapshots, the run history, the KEV tables and the graph. */
export function kevRunDeps(): KevRunDeps {
  const { pool } = postgres();
  return {
    source: feedSource(),
    snapshots: s3Snapshots(s3Client(), settings().BRONZE_BUCKET),
    runs: postgresFeedRunLog(pool),
    store: postgresKevStore(pool),
    graph: neo4jKevGraph(neo4jDriver()),
  };
}

/** The URLhaus run's adapters; rejected rows of the feed are logged with their line and reason. */
export async function urlhausRunDeps(): Promise<UrlhausRunDeps> {
  const { pool } = postgres();
  return {
    source: feedSource(),
    snapshots: s3Snapshots(s3Client(), settings().BRONZE_BUCKET),
    runs: postgresFeedRunLog(pool),
    store: postgresUrlhausStore(pool),
    publisher: kafkaUrlhausEvents(await kafkaProducer()),
    onRejectedRows: (rows) =>
      logger.warn(`${rows.length} URLhaus rows could not be read; the others load`, {
        first: rows.slice(0, 10),
      }),
  };
}

/**
 * The headers the URLhaus request needs: abuse.ch's `Auth-Key` from Secrets Manager when the secret holds
 * one. The JSON API refuses every request without it, so there a missing key is a configuration error
 * named up front rather than an HTTP 401 later.
 */
export async function urlhausHeaders(): Promise<Record<string, string>> {
  const s = settings();
  let key: string | undefined;
  try {
    key = (await readSecret(secretsClient(), s.URLHAUS_AUTH_KEY_SECRET))?.trim();
  } catch (error) {
    throw new ServiceUnavailableError(
      "secretsmanager",
      `reading ${s.URLHAUS_AUTH_KEY_SECRET}: ${(error as Error).message}`,
      error,
    );
  }
  if (key) return { "Auth-Key": key };
  if (new URL(s.URLHAUS_FEED_URL).pathname.startsWith("/v1/")) {
    throw new ConfigError(
      "URLHAUS_AUTH_KEY_SECRET",
      `the URLhaus JSON API (${s.URLHAUS_FEED_URL}) needs an Auth-Key, and secret "${s.URLHAUS_AUTH_KEY_SECRET}" holds none; store your abuse.ch key there (locally: set URLHAUS_AUTH_KEY and run make init)`,
    );
  }
  return {};
}
