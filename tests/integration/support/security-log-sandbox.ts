import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  postgresSecurityLogStore,
  type SecurityLogTables,
  securityLogTables,
} from "../../../layers/adapters/postgres/security-log-tables";
import { ensureBucket } from "../../../layers/adapters/s3/bucket";
import { s3LogObjectSource, s3SecurityLogQuarantine } from "../../../layers/adapters/s3/security-log-objects";
import type {
  HostAddress,
  HostObservations,
  HostTechnique,
  HostVulnerability,
  IngestLogDeps,
  SecurityGraph,
  SecurityLogStore,
} from "../../../layers/core/security-logs/ingest-log-object";
import {
  bareEtag,
  type LogObjectRef,
  objectCreatedEvent,
} from "../../../layers/core/security-logs/log-object";
import type { Clients } from "../../../layers/runtime/clients";
import { removeBucket } from "./bronze";
import { uniqueSuffix } from "./env";

const TABLES = [
  ["silver", "security_events"],
  ["silver", "detections"],
  ["ops", "security_log_objects"],
  ["ops", "security_log_rejects"],
  ["raw", "kev_vulnerabilities"],
] as const;

/** The graph port, kept in memory: for tests whose subject is not the graph (the shared Neo4j stays clean). */
export class RecordedGraph implements SecurityGraph {
  readonly techniques: HostTechnique[] = [];
  readonly vulnerabilities: HostVulnerability[] = [];
  readonly addresses: HostAddress[] = [];
  async merge(o: HostObservations): Promise<void> {
    this.techniques.push(...o.techniques);
    this.vulnerabilities.push(...o.vulnerabilities);
    this.addresses.push(...o.addresses);
  }
}

/**
 * A security-log test's own world on the shared stack: copies of the security-log tables (and of the KEV
 * table detections look CVEs up in) in schemas of its own, and a bucket of its own.
 */
export class SecurityLogSandbox {
  readonly suffix = uniqueSuffix();
  readonly silverSchema = `t_${this.suffix}_silver`;
  readonly opsSchema = `t_${this.suffix}_ops`;
  readonly rawSchema = `t_${this.suffix}_raw`;
  readonly bucket = `vigil-test-${this.suffix}`;
  readonly tables: SecurityLogTables = securityLogTables({
    silver: this.silverSchema,
    ops: this.opsSchema,
    raw: this.rawSchema,
  });
  readonly graph = new RecordedGraph();

  constructor(readonly c: Clients) {}

  private schemaOf(schema: "silver" | "ops" | "raw"): string {
    return { silver: this.silverSchema, ops: this.opsSchema, raw: this.rawSchema }[schema];
  }

  async create(): Promise<void> {
    for (const schema of [this.silverSchema, this.opsSchema, this.rawSchema]) {
      await this.c.pool.query(`CREATE SCHEMA ${schema}`);
    }
    for (const [schema, table] of TABLES) {
      await this.c.pool.query(
        `CREATE TABLE ${this.schemaOf(schema)}.${table} (LIKE ${schema}.${table} INCLUDING ALL)`,
      );
    }
    await ensureBucket(this.c.s3, this.bucket);
  }

  async destroy(): Promise<void> {
    await this.c.pool.query(
      `DROP SCHEMA IF EXISTS ${this.silverSchema}, ${this.opsSchema}, ${this.rawSchema} CASCADE`,
    );
    await removeBucket(this.c.s3, this.bucket);
  }

  store(): SecurityLogStore {
    return postgresSecurityLogStore(this.c.pool, this.tables);
  }

  deps(overrides: Partial<IngestLogDeps> = {}): IngestLogDeps {
    return {
      source: s3LogObjectSource(this.c.s3),
      store: this.store(),
      quarantine: s3SecurityLogQuarantine(this.c.s3, this.bucket),
      graph: this.graph,
      ...overrides,
    };
  }

  /** PUTs an object and returns the version S3 made of it. */
  async put(key: string, body: Buffer | string, metadata?: Record<string, string>): Promise<LogObjectRef> {
    const out = await this.c.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ...(metadata ? { Metadata: metadata } : {}),
      }),
    );
    return { bucket: this.bucket, key, etag: bareEtag(out.ETag ?? ""), size: Buffer.byteLength(body) };
  }

  /** The S3 ObjectCreated event for versions, as a notification would carry it. */
  event(...refs: LogObjectRef[]): { Records: Record<string, unknown>[] } {
    return objectCreatedEvent(
      refs.map((r) => ({ ...r, size: r.size ?? 0, lastModified: new Date() })),
      "us-east-1",
    );
  }

  async rows<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const resolved = sql
      .replaceAll("{events}", this.tables.events)
      .replaceAll("{objects}", this.tables.objects)
      .replaceAll("{rejects}", this.tables.rejects)
      .replaceAll("{detections}", this.tables.detections)
      .replaceAll("{kev}", this.tables.kevVulnerabilities);
    return (await this.c.pool.query(resolved, params)).rows as R[];
  }

  async count(
    table: "events" | "objects" | "rejects" | "detections",
    where = "true",
    params: unknown[] = [],
  ) {
    const [row] = await this.rows<{ n: string }>(
      `SELECT count(*) AS n FROM {${table}} WHERE ${where}`,
      params,
    );
    return Number(row?.n);
  }

  /** A fingerprint of every table's content, to prove that a delivery changed nothing. */
  async fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const table of ["events", "objects", "rejects", "detections"] as const) {
      const [row] = await this.rows<{ md5: string | null }>(
        `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM {${table}} t`,
      );
      parts.push(row?.md5 ?? "empty");
    }
    return parts.join(":");
  }
}
