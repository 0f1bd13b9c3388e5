import type { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Kafka, Producer } from "kafkajs";
import type { Driver } from "neo4j-driver";
import pg from "pg";
import { createKafka } from "../adapters/kafka/client";
import { createNeo4j } from "../adapters/neo4j/client";
import { createS3 } from "../adapters/s3/client";
import { type Settings, settings } from "./config";
import { logger } from "./logger";

/**
 * The outside-world clients, built once per container on first use and reused by every invocation
 * (Lambda keeps module state between invocations of a warm container).
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

/**
 * A pool of up to PG_POOL_MAX connections, opened on first use; `options` are server settings for each,
 * after DateStyle ISO: the timestamp text that node-postgres and the event reads parse, whatever the
 * server's default.
 */
function postgresPool(s: Settings, options = ""): pg.Pool {
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

export function buildClients(s: Settings): Clients {
  return {
    s3: createS3(s.AWS_REGION, s.S3_ENDPOINT ?? s.AWS_ENDPOINT_URL),
    secrets: new SecretsManagerClient({
      region: s.AWS_REGION,
      ...(s.AWS_ENDPOINT_URL ? { endpoint: s.AWS_ENDPOINT_URL } : {}),
    }),
    kafka: createKafka(s.KAFKA_BROKERS),
    pool: postgresPool(s),
    readPool: postgresPool(s, "-c plan_cache_mode=force_generic_plan"),
    neo4j: createNeo4j(s.NEO4J_URI, s.NEO4J_USER, s.NEO4J_PASSWORD),
  };
}

let shared: Clients | undefined;
let producer: Promise<Producer> | undefined;

/**
 * The container's Kafka producer, connected on first use. Idempotent, so a retried send after a broker
 * hiccup does not write a message twice into the same partition.
 */
export function kafkaProducer(): Promise<Producer> {
  producer ??= (async () => {
    const p = clients().kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await p.connect();
    return p;
  })().catch((error: unknown) => {
    producer = undefined;
    throw error;
  });
  return producer;
}

export function clients(): Clients {
  shared ??= buildClients(settings());
  return shared;
}

/** Closes the pools (scripts and tests; a Lambda container is frozen, not closed). */
export async function closeClients(c: Clients | undefined = shared): Promise<void> {
  if (!c) return;
  if (c === shared) {
    shared = undefined;
    const p = producer;
    producer = undefined;
    await p?.then((x) => x.disconnect()).catch(() => {});
  }
  await Promise.allSettled([c.pool.end(), c.readPool.end(), c.neo4j.close()]);
  c.s3.destroy();
  c.secrets.destroy();
}
