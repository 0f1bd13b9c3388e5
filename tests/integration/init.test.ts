import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { loadMigrations } from "../../layers/adapters/postgres/migrate";
import { readSecret } from "../../layers/adapters/secrets/secrets";
import { GRAPH_CONSTRAINTS } from "../../layers/core/graph-schema";
import { ALL_TOPICS, POSTGRES_SCHEMAS, TOPIC_PARTITIONS } from "../../layers/core/topology";
import { buildClients, closeClients } from "../../layers/runtime/clients";
import { readSettings } from "../../layers/runtime/config";
import { ROOT, testEnv } from "./support/env";

// What `make up` promises to leave behind, checked on the real services — and that running init again
// changes nothing.
const run = promisify(execFile);
const env = testEnv();
const settings = readSettings(env);
const c = buildClients(settings);
afterAll(() => closeClients(c));

describe("local stack init", () => {
  it("is idempotent: a second run creates nothing and applies no migration", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "localstack/init/index.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    expect(stdout).toMatch(/bronze bucket\s+vigil-bronze present/);
    expect(stdout).toMatch(/kafka topics .*\(0 created\)/);
    expect(stdout).toMatch(/postgres\s+schema up to date/);
    expect(stdout).toMatch(/secrets\s+vigil\/api-keys present/);
  });

  it("created the bronze bucket", async () => {
    await expect(c.s3.send(new HeadBucketCommand({ Bucket: settings.BRONZE_BUCKET }))).resolves.toBeDefined();
  });

  it("created every topic with its .dlq twin and its partitions", async () => {
    const admin = c.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...ALL_TOPICS] });
      expect(topics.map((t) => t.name).sort()).toEqual([...ALL_TOPICS].sort());
      for (const t of topics) expect(t.partitions).toHaveLength(TOPIC_PARTITIONS);
      expect(ALL_TOPICS).toEqual(expect.arrayContaining(["threat.events.dlq", "urlhaus.events.dlq"]));
    } finally {
      await admin.disconnect();
    }
  });

  it("applied every migration once, recorded with its checksum in the ledger", async () => {
    const { rows } = await c.pool.query<{ version: number; name: string; checksum: string }>(
      "SELECT version, name, checksum FROM ops.schema_migrations ORDER BY version",
    );
    const files = await loadMigrations();
    expect(rows).toEqual(files.map(({ version, name, checksum }) => ({ version, name, checksum })));
    const schemas = await c.pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace");
    expect(schemas.rows.map((r) => r.nspname)).toEqual(expect.arrayContaining([...POSTGRES_SCHEMAS]));
  });

  it("created the graph's uniqueness constraints", async () => {
    const { records } = await c.neo4j.executeQuery(
      "SHOW CONSTRAINTS YIELD name, labelsOrTypes, properties, type",
    );
    const present = records.map(
      (r) => `${r.get("labelsOrTypes")[0]}.${r.get("properties")[0]}:${r.get("type")}`,
    );
    for (const k of GRAPH_CONSTRAINTS) expect(present).toContain(`${k.label}.${k.property}:UNIQUENESS`);
  });

  it("keeps a random API key in Secrets Manager, not in code or settings", async () => {
    const secret = JSON.parse((await readSecret(c.secrets, settings.API_KEYS_SECRET)) ?? "{}") as {
      keys?: string[];
    };
    expect(secret.keys?.[0]).toMatch(/^vgl_[A-Za-z0-9_-]{32}$/);
  });
});
