import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { ROOT, uniqueSuffix } from "./env";

/** The raw tables the warehouse reads, by the schema they live in. */
const SOURCE_TABLES = [
  ["raw", "threat_events"],
  ["raw", "urlhaus_events"],
  ["raw", "urlhaus_urls"],
  ["raw", "kev_vulnerabilities"],
  ["raw", "kev_changes"],
  ["raw", "kev_catalogs"],
  ["ops", "feed_runs"],
] as const;

export interface DbtRun {
  code: number | null;
  /** stdout and stderr interleaved, as a person would see them. */
  output: string;
  /** dbt's closing line, e.g. "Done. PASS=120 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=120". */
  summary: string;
  seconds: number;
}

/**
 * A warehouse of the test's own on the shared Postgres: copies of the raw tables (same columns, defaults,
 * checks and indexes) in `wh_<suffix>_raw` / `wh_<suffix>_ops`, and dbt building into `wh_<suffix>_staging`
 * and `wh_<suffix>_marts`, with its own target and log folders, so neither the real schemas nor a
 * concurrent `make dbt` are touched.
 */
export class WarehouseSandbox {
  readonly suffix = uniqueSuffix();
  readonly prefix = `wh_${this.suffix}_`;
  readonly rawSchema = `${this.prefix}raw`;
  readonly opsSchema = `${this.prefix}ops`;
  readonly staging = `${this.prefix}staging`;
  readonly marts = `${this.prefix}marts`;
  readonly pool: pg.Pool;
  private workDir = "";

  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  }

  async create(): Promise<void> {
    this.workDir = await mkdtemp(join(tmpdir(), "vigil-warehouse-"));
    for (const schema of [this.rawSchema, this.opsSchema]) await this.pool.query(`CREATE SCHEMA ${schema}`);
    for (const [schema, table] of SOURCE_TABLES) {
      await this.pool.query(
        `CREATE TABLE ${this.copyOf(schema)}.${table} (LIKE ${schema}.${table} INCLUDING ALL)`,
      );
    }
  }

  async drop(): Promise<void> {
    for (const schema of [this.staging, this.marts, this.rawSchema, this.opsSchema]) {
      await this.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
    await this.pool.end();
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true });
  }

  /**
   * Inserts rows into the copy of `schema.table`. Columns no row names take the table's defaults; a column
   * only some rows name is null in the others.
   */
  async insert(schema: "raw" | "ops", table: string, rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const target = `${this.copyOf(schema)}.${table}`;
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].join(", ");
    await this.pool.query(
      `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::${target}, $1::jsonb)`,
      [JSON.stringify(rows)],
    );
  }

  /** One number from a query, e.g. a count. */
  async scalar(sql: string, params: unknown[] = []): Promise<number> {
    const { rows } = await this.pool.query<{ n: string | number }>(sql, params);
    return Number(rows[0]?.n);
  }

  /** Where dbt put its compiled and run SQL (its own target folder). */
  runSqlPath(model: string, folder: string): string {
    return join(this.workDir, "target", "run", "vigil", "models", folder, `${model}.sql`);
  }

  /**
   * Runs `dbt <args>` through localstack/dbt.sh (which installs dbt on first use and turns DATABASE_URL into
   * the profile's variables) against this sandbox's schemas.
   */
  dbt(args: string[], vars: Record<string, unknown> = {}): Promise<DbtRun> {
    const allVars = { raw_schema: this.rawSchema, ops_schema: this.opsSchema, ...vars };
    const dbtArgs =
      args[0] === "--install"
        ? args
        : [
            ...args,
            "--vars",
            JSON.stringify(allVars),
            "--target-path",
            join(this.workDir, "target"),
            "--log-path",
            join(this.workDir, "logs"),
            "--no-use-colors",
          ];
    const started = Date.now();
    return new Promise((done, fail) => {
      const child = spawn("bash", [resolve(ROOT, "localstack/dbt.sh"), ...dbtArgs], {
        cwd: ROOT,
        env: { ...process.env, VIGIL_DBT_SCHEMA_PREFIX: this.prefix },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on("error", fail);
      child.on("close", (code) => {
        const seconds = (Date.now() - started) / 1000;
        const summary = /Done\. PASS=.*$/m.exec(output)?.[0] ?? "(no summary line)";
        // One line per dbt run keeps a slow or failing step visible while the suite runs.
        console.log(`dbt ${args.join(" ")}: exit ${code} in ${seconds.toFixed(1)} s — ${summary}`);
        done({ code, output, summary, seconds });
      });
    });
  }

  private copyOf(schema: "raw" | "ops"): string {
    return schema === "raw" ? this.rawSchema : this.opsSchema;
  }
}
