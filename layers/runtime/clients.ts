import type { S3Client } from "@aws-sdk/client-s3";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Kafka } from "kafkajs";
import type { Driver } from "neo4j-driver";
import type pg from "pg";
import { createKafka } from "../adapters/kafka/client";
import { createNeo4j } from "../adapters/neo4j/client";
import { createS3 } from "../adapters/s3/client";
import type { Settings } from "./config";
import { closeContainer, perContainer } from "./container";
import { kafkaClient } from "./kafka";
import { neo4jDriver } from "./neo4j";
import { postgres, postgresPools } from "./postgres";
import { s3Client } from "./s3";
import { createSecrets, secretsClient } from "./secrets";

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
   * Postgres for the API's keyset reads (event pages, the IP pivot, look-ups by key): its own connections,
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
    s3: createS3(s.AWS_REGION, s.S3_ENDPOINT ?? s.AWS_ENDPOINT_URL),
    secrets: createSecrets(s),
    kafka: createKafka(s.KAFKA_BROKERS),
    ...postgresPools(s),
    neo4j: createNeo4j(s.NEO4J_URI, s.NEO4J_USER, s.NEO4J_PASSWORD),
  };
}

/** This container's clients, each opened on first use; the same ones the per-client modules hand out. */
export const clients = /* @__PURE__ */ perContainer(
  (): Clients => ({
    s3: s3Client(),
    secrets: secretsClient(),
    kafka: kafkaClient(),
    ...postgres(),
    neo4j: neo4jDriver(),
  }),
);

/**
 * Closes a set of clients from `buildClients`, or, without one, everything this container opened (the
 * Kafka producer included): the next `clients()` opens anew.
 */
export async function closeClients(c?: Clients): Promise<void> {
  if (!c) return closeContainer();
  await Promise.allSettled([c.pool.end(), c.readPool.end(), c.neo4j.close()]);
  c.s3.destroy();
  c.secrets.destroy();
}
