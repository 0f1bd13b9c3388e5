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
import { kafkaClient } from "./kafka";
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
  const kafka = kafkaPipelineStatus(kafkaClient());
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
