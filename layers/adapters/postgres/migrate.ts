import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import {
  type AppliedMigration,
  type Migration,
  parseMigrationName,
  planMigrations,
} from "../../core/migrations";

export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations", import.meta.url));

/** Loads every `NNNN_name.sql` of the folder with its checksum. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex").slice(0, 16);
      return { ...parseMigrationName(file), sql, checksum };
    }),
  );
}

// Any fixed number: two migrators racing (two `make up`s) serialise on it instead of both applying.
const MIGRATION_LOCK = 7_301_977;

/**
 * Applies the pending migrations, each in its own transaction together with its ledger row
 * (`ops.schema_migrations`), so a failed migration leaves neither a half-applied schema nor a ledger entry.
 * @returns the migrations it applied.
 */
export async function migrate(client: pg.ClientBase, migrations: readonly Migration[]): Promise<Migration[]> {
  await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ops;
      CREATE TABLE IF NOT EXISTS ops.schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<AppliedMigration>(
      "SELECT version, name, checksum FROM ops.schema_migrations ORDER BY version",
    );
    const pending = planMigrations(migrations, rows);
    for (const m of pending) {
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query(
          "INSERT INTO ops.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
          [m.version, m.name, m.checksum],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    return pending;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}
