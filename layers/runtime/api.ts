import { createKafka } from "../adapters/kafka/client";
import { kafkaPipelineStatus } from "../adapters/kafka/consumer-lag";
import { neo4jNeighbourhood } from "../adapters/neo4j/neighbourhood";
import { postgresFeedQueries } from "../adapters/postgres/feed-search";
import { investigations } from "../adapters/postgres/investigations";
import { postgresIpEvidence } from "../adapters/postgres/ip-evidence";
import { postgresPipelineStatus } from "../adapters/postgres/pipeline-status";
import { readSecret } from "../adapters/secrets/secrets";
import { parseApiKeys, ttlCache } from "../core/api/api-keys";
import type { PipelineProbes } from "../core/api/investigations";
import { settings } from "./config";
import { perContainer } from "./container";
import { neo4jDriver } from "./neo4j";
import { apiPostgres } from "./postgres";
import { secretsClient } from "./secrets";

// The API's read adapters, each built once per container over the clients it needs, and only those: a
// route's bundle holds the drivers of the adapters its handler calls (see container.ts). An adapter keeps
// state worth keeping (the pivot's prepared statement texts), so it lives as long as its clients.

/** Events: the list, one event, an actor's, the most targeted IPs. */
export const eventQueries = /* @__PURE__ */ perContainer(() => {
  const { pool, readPool } = apiPostgres();
  return investigations(pool, readPool);
});

/** The IP pivot's evidence: URLs, sightings and the events' page in one statement, then KEV entries. */
export const ipEvidence = /* @__PURE__ */ perContainer(() => postgresIpEvidence(apiPostgres().readPool));

/** KEV and URLhaus searches, and a CVE's history. */
export const feedQueries = /* @__PURE__ */ perContainer(() => postgresFeedQueries(apiPostgres().pool));

/** A node's neighbourhood in the threat graph, read in one transaction bounded like the API's statements. */
export const graphQueries = /* @__PURE__ */ perContainer(() =>
  neo4jNeighbourhood(neo4jDriver(), { timeoutMs: settings().API_STATEMENT_TIMEOUT_MS }),
);

/** What the pipeline status reads: Postgres's tables and feed runs, Kafka's dead letters and lag. */
export const pipelineProbes = /* @__PURE__ */ perContainer((): PipelineProbes => {
  const pipeline = postgresPipelineStatus(apiPostgres().pool);
  // A client of its own: the shared one's retries (for producers) would keep connecting to a broker that
  // is down for tens of seconds, past the status's deadline and on into the next invocation.
  const client = createKafka(settings().KAFKA_BROKERS, "vigil-status", {
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
    connectionTimeout: 1_000,
  });
  const kafka = kafkaPipelineStatus(client);
  return { tables: pipeline.tables, feeds: pipeline.feeds, kafka: kafka.read };
});

/**
 * How long the authorizer keeps the API keys it read: a request does not cost a Secrets Manager call, and
 * a key added or revoked in the secret takes effect within this time.
 */
export const API_KEYS_TTL_MS = 60_000;

/** The valid API keys, read from Secrets Manager (API_KEYS_SECRET) and kept for API_KEYS_TTL_MS. */
export const apiKeys = /* @__PURE__ */ ttlCache(async () => {
  const name = settings().API_KEYS_SECRET;
  return parseApiKeys(await readSecret(secretsClient(), name), name);
}, API_KEYS_TTL_MS);
