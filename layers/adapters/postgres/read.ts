import { createHash } from "node:crypto";
import type pg from "pg";
import { ServiceUnavailableError } from "../../core/errors";

// SQLSTATE classes that mean "the server cannot serve now", not "this query is wrong": connection
// exceptions, insufficient resources, operator intervention (shutdown, cancel), and a crashed backend.
const UNAVAILABLE_STATES = /^(08|53|57|58)/;

/**
 * Runs one read query. A Postgres that does not answer (refused connection, shutdown, too many
 * connections) becomes a retryable ServiceUnavailableError (503); any other error is a defect and is
 * rethrown as it is (500, logged, its text never shown to the caller).
 */
export async function readRows<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  what: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  try {
    const { rows } = await pool.query<R>({ name: statementName(text), text, values });
    return rows;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    if (sqlState === undefined || UNAVAILABLE_STATES.test(sqlState)) {
      throw new ServiceUnavailableError("postgres", `${what}: ${(error as Error).message}`, error);
    }
    throw error;
  }
}

const names = new Map<string, string>();
/**
 * The name of the prepared statement for `text`: a digest of the text, so each connection parses and plans
 * a query once and re-binds it afterwards (a read API runs the same few statements over and over).
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `vigil_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/** `LIKE` text matching `value` anywhere, its own `%`, `_` and `\` taken literally. */
export const containsPattern = (value: string): string => `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Appends `value` to a statement's `values`; returns its positional parameter (`$n`). */
export function bind(values: unknown[], value: unknown): string {
  values.push(value);
  return `$${values.length}`;
}

/**
 * A WHERE clause from named conditions: each name maps to fixed SQL taking its value as the next
 * positional parameter, so a filter contributes only text written here and values as parameters.
 */
export function whereClause<F extends object>(
  filter: F,
  conditions: { [K in keyof F]-?: (param: string) => string },
  values: unknown[],
  extra: string[] = [],
): string {
  const parts = [...extra];
  for (const name of Object.keys(conditions) as (keyof F)[]) {
    const value = filter[name];
    if (value === undefined) continue;
    parts.push(conditions[name](bind(values, value)));
  }
  return parts.length ? `WHERE ${parts.join(" AND ")}` : "";
}

/**
 * The start of a keyset page: rows strictly after `after` in the list's order, as a condition on the
 * sort columns (a row comparison an index in that order answers), its two values appended to `values`.
 */
export function keysetAfter(
  after: readonly [string, string] | undefined,
  rowComparison: (first: string, second: string) => string,
  values: unknown[],
): string[] {
  if (!after) return [];
  return [rowComparison(bind(values, after[0]), bind(values, after[1]))];
}
