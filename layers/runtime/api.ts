import { kafkaPipelineStatus } from "../adapters/kafka/consumer-lag";
import { neo4jNeighbourhood } from "../adapters/neo4j/neighbourhood";
import { postgresFeedQueries } from "../adapters/postgres/feed-search";
import { investigations } from "../adapters/postgres/investigations";
import { postgresIpEvidence } from "../adapters/postgres/ip-evidence";
import { postgresPipelineStatus } from "../adapters/postgres/pipeline-status";
import { readSecret } from "../adapters/secrets/secrets";
import { parseApiKeys, ttlCache } from "../core/api/api-keys";
import type { PipelineProbes } from "../core/api/investigations";
import { type Clients, clients } from "./clients";
import { settings } from "./config";

let built: { on: Clients; queries: ReturnType<typeof buildApiQueries> } | undefined;

/** The API's read adapters over this container's clients, built once per set of clients. */
export function apiQueries() {
  const c = clients();
  if (built?.on !== c) built = { on: c, queries: buildApiQueries(c) };
  return built.queries;
}

function buildApiQueries(c: Clients) {
  const pipeline = postgresPipelineStatus(c.pool);
  const kafka = kafkaPipelineStatus(c.kafka);
  const probes: PipelineProbes = { tables: pipeline.tables, feeds: pipeline.feeds, kafka: kafka.read };
  return {
    events: investigations(c.pool, c.readPool),
    evidence: postgresIpEvidence(c.readPool),
    feeds: postgresFeedQueries(c.pool),
    graph: neo4jNeighbourhood(c.neo4j),
    pipeline: probes,
  };
}

/**
 * How long the authorizer keeps the API keys it read: a request does not cost a Secrets Manager call, and
 * a key added or revoked in the secret takes effect within this time.
 */
export const API_KEYS_TTL_MS = 60_000;

/** The valid API keys, read from Secrets Manager (API_KEYS_SECRET) and kept for API_KEYS_TTL_MS. */
export const apiKeys = ttlCache(async () => {
  const name = settings().API_KEYS_SECRET;
  return parseApiKeys(await readSecret(clients().secrets, name), name);
}, API_KEYS_TTL_MS);
