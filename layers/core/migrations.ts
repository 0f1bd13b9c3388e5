/** A versioned schema change: `NNNN_name.sql`, applied once, never edited after release. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** A row of the ledger: what was applied, from which text. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads a migration's version and name from its file name.
 * @throws Error naming the file when it does not follow `NNNN_snake_name.sql`.
 */
export function parseMigrationName(file: string): { version: number; name: string } {
  const match = FILE_NAME.exec(file);
  if (!match?.[1] || !match[2]) {
    throw new Error(
      `migration file "${file}": expected a name like 0002_add_feed_runs.sql (4 digits, snake_case)`,
    );
  }
  return { version: Number(match[1]), name: match[2] };
}

/**
 * Decides which migrations to apply, in version order. Refuses, naming the file, when two files share a
 * version, when an applied migration's text changed since (checksum), or when the ledger holds a version
 * that no file has any more: each means the history was rewritten, which must never be papered over.
 */
export function planMigrations(
  available: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const byVersion = new Map<number, Migration>();
  for (const m of available) {
    const other = byVersion.get(m.version);
    if (other) throw new Error(`migrations ${other.name} and ${m.name} share version ${m.version}`);
    byVersion.set(m.version, m);
  }
  const done = new Set<number>();
  for (const a of applied) {
    const m = byVersion.get(a.version);
    if (!m) {
      throw new Error(
        `the database has migration ${a.version} (${a.name}) applied, but no file for it exists`,
      );
    }
    if (m.checksum !== a.checksum) {
      throw new Error(
        `migration ${String(a.version).padStart(4, "0")}_${a.name} was edited after it was applied ` +
          `(checksum ${a.checksum} in the ledger, ${m.checksum} now): add a new migration instead`,
      );
    }
    done.add(a.version);
  }
  return [...byVersion.values()].filter((m) => !done.has(m.version)).sort((x, y) => x.version - y.version);
}
