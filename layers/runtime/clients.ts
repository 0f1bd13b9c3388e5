import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Kafka } from "kafkajs";
import type { Driver } from "neo4j-driver";
import type pg from "pg";
import type { Settings } from "./config";
import { closeContainer, perContainer } from "./container";
import { kafkaClient, kafkaClientFor } from "./kafka";
import { neo4jDriver, neo4jDriverFor } from "./neo4j";
import { endPools, postgres, postgresPoolsFor } from "./postgres";
import { s3Client, s3ClientFor } from "./s3";
import { secretsClient, secretsClientFor } from "./secrets";

/**
 * Every outside-world client at once, for scripts, tests and functions that use most of them. A function
 * that needs one or two takes them from their own modules (postgres, s3, secrets, kafka, neo4j), so its
 * bundle holds no other driver; `clients()` is the same container's clients, gathered.
 */
export interface Clients {
  s3: S3Client;
  secrets: SecretsManagerClient;
  kafka: Kafka;
  /** Postgres for writes and the pipeline's own statements. */
  pool: pg.Pool;
  /**
   * Postgres for keyset reads (event pages, the IP pivot, look-ups by key; the query API's handlers have
   * the same two pools with a statement timeout, `apiPostgres` in postgres.ts): its own connections,
   * on which every prepared statement runs its generic plan. Their plans depend on which filters are set,
   * not on their values, so planning each execution again — which Postgres keeps doing when a `LIMIT $n`
   * makes the generic plan's estimate look dear — bought nothing and cost 15–25% of a list request's
   * server time. Statements whose plan does depend on a value (a score threshold, skewed feed columns)
   * stay on `pool`.
   */
  readPool: pg.Pool;
  neo4j: Driver;
}

/** A set of clients of its own (scripts and tests with other settings); close it with `closeClients(c)`. */
export function buildClients(s: Settings): Clients {
  return {
    s3: s3ClientFor(s),
    secrets: secretsClientFor(s),
    kafka: kafkaClientFor(s),
    ...postgresPoolsFor(s),
    neo4j: neo4jDriverFor(s),
  };
}

let gathered: Clients | undefined;

/** This container's clients, each opened on first use; the same ones the per-client modules hand out. */
export const clients = /* @__PURE__ */ perContainer(
  (): Clients => {
    gathered = {
      s3: s3Client(),
      secrets: secretsClient(),
      kafka: kafkaClient(),
      ...postgres(),
      neo4j: neo4jDriver(),
    };
    return gathered;
  },
  () => {
    gathered = undefined;
  },
);

/**
 * Closes a set of clients from `buildClients`; without one, or given this container's `clients()`,
 * everything the container opened (the Kafka producer included), and the next use opens anew.
 */
export async function closeClients(c?: Clients): Promise<void> {
  if (!c || c === gathered) return closeContainer();
  await Promise.allSettled([endPools(c), c.neo4j.close()]);
  c.s3.destroy();
  c.secrets.destroy();
}
