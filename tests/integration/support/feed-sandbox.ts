import { DeleteObjectsCommand } from "@aws-sdk/client-s3";
import { Partitioners, type Producer } from "kafkajs";
import { afterAll, beforeAll } from "vitest";
import { httpFeedSource } from "../../../layers/adapters/feeds/http-feed";
import { ensureTopics } from "../../../layers/adapters/kafka/topics";
import { kafkaUrlhausEvents } from "../../../layers/adapters/kafka/urlhaus-events";
import { neo4jKevGraph } from "../../../layers/adapters/neo4j/feed-graph";
import { postgresFeedRunLog } from "../../../layers/adapters/postgres/feed-runs";
import { type FeedTables, feedTables } from "../../../layers/adapters/postgres/feed-tables";
import { postgresKevStore } from "../../../layers/adapters/postgres/kev-tables";
import { postgresUrlhausStore } from "../../../layers/adapters/postgres/urlhaus-tables";
import { s3Snapshots } from "../../../layers/adapters/s3/bronze";
import { ensureBucket } from "../../../layers/adapters/s3/bucket";
import type { KevRunDeps } from "../../../layers/core/feeds/kev-run";
import type { UrlhausRunDeps } from "../../../layers/core/feeds/urlhaus-run";
import { buildClients, type Clients, closeClients } from "../../../layers/runtime/clients";
import { readSettings } from "../../../layers/runtime/config";
import { listKeys } from "./bronze";
import { testEnv, uniqueSuffix } from "./env";
import { FeedServer } from "./feed-server";

const FEED_TABLE_NAMES = [
  ["ops", "feed_runs"],
  ["ops", "feed_state"],
  ["raw", "kev_catalogs"],
  ["raw", "kev_vulnerabilities"],
  ["raw", "kev_changes"],
  ["raw", "urlhaus_urls"],
] as const;

/**
 * A feed test's own world on the shared stack: its own copies of the feed tables (same shape, in schemas
 * of its own), its own bucket and its own `urlhaus.events` topic, so tests run in any order and leave the
 * real tables alone. The graph is shared: its keys (CVEs, URLs) are the test data's own.
 */
export class FeedSandbox {
  readonly suffix = uniqueSuffix();
  readonly rawSchema = `t_${this.suffix}_raw`;
  readonly opsSchema = `t_${this.suffix}_ops`;
  readonly bucket = `vigil-test-${this.suffix}`;
  readonly topic = `urlhaus.events.test-${this.suffix}`;
  readonly tables: FeedTables = feedTables({ raw: this.rawSchema, ops: this.opsSchema });
  private producer: Producer | undefined;

  constructor(readonly c: Clients) {}

  async create(): Promise<void> {
    for (const schema of [this.rawSchema, this.opsSchema]) await this.c.pool.query(`CREATE SCHEMA ${schema}`);
    for (const [schema, table] of FEED_TABLE_NAMES) {
      const target = schema === "raw" ? this.rawSchema : this.opsSchema;
      await this.c.pool.query(`CREATE TABLE ${target}.${table} (LIKE ${schema}.${table} INCLUDING ALL)`);
    }
    await ensureBucket(this.c.s3, this.bucket);
    await ensureTopics(this.c.kafka, [{ topic: this.topic, partitions: 3 }]);
    this.producer = this.c.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
  }

  async destroy(): Promise<void> {
    await this.producer?.disconnect();
    await this.c.pool.query(`DROP SCHEMA IF EXISTS ${this.rawSchema}, ${this.opsSchema} CASCADE`);
    const keys = await listKeys(this.c.s3, this.bucket, "").catch(() => []);
    if (keys.length > 0) {
      await this.c.s3.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
      );
    }
    const admin = this.c.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [this.topic] }).catch(() => {});
    await admin.disconnect();
  }

  private source() {
    return httpFeedSource({ timeoutMs: 5_000, retries: 2, backoffMs: 50, maxBytes: 50 * 1024 * 1024 });
  }

  kevDeps(): KevRunDeps {
    return {
      source: this.source(),
      snapshots: s3Snapshots(this.c.s3, this.bucket),
      runs: postgresFeedRunLog(this.c.pool, this.tables),
      store: postgresKevStore(this.c.pool, this.tables),
      graph: neo4jKevGraph(this.c.neo4j),
    };
  }

  urlhausDeps(): UrlhausRunDeps {
    if (!this.producer) throw new Error("FeedSandbox.create() first");
    return {
      source: this.source(),
      snapshots: s3Snapshots(this.c.s3, this.bucket),
      runs: postgresFeedRunLog(this.c.pool, this.tables),
      store: postgresUrlhausStore(this.c.pool, this.tables),
      publisher: kafkaUrlhausEvents(this.producer, this.topic),
    };
  }

  /** How many messages the sandbox topic holds (the sum of its high watermarks). */
  async publishedCount(): Promise<number> {
    const admin = this.c.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(this.topic)).reduce((n, p) => n + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async count(table: keyof FeedTables, where = "true", params: unknown[] = []): Promise<number> {
    const { rows } = await this.c.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.tables[table]} WHERE ${where}`,
      params,
    );
    return Number(rows[0]?.n);
  }

  /** A fingerprint of a table's whole content, to prove that a rejected run changed nothing. */
  async fingerprint(table: keyof FeedTables): Promise<string> {
    const { rows } = await this.c.pool.query<{ md5: string | null }>(
      `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM ${this.tables[table]} t`,
    );
    return rows[0]?.md5 ?? "empty";
  }

  async lastRun(): Promise<Record<string, unknown>> {
    const { rows } = await this.c.pool.query(
      `SELECT * FROM ${this.tables.feedRuns} ORDER BY run_id DESC LIMIT 1`,
    );
    return rows[0] as Record<string, unknown>;
  }
}

/**
 * The clients and the local feed server of a feed test file, started before its tests and stopped after
 * (no feed host is reachable from tests: recorded feeds are served from 127.0.0.1).
 */
export function feedTestContext(): { c: Clients; server: FeedServer } {
  const c = buildClients(readSettings(testEnv()));
  const server = new FeedServer();
  beforeAll(() => server.start());
  afterAll(async () => {
    await server.stop();
    await closeClients(c);
  });
  return { c, server };
}
