import { hash } from "node:crypto";
import { InvalidInputError } from "../errors";
import { bigintDigits, postgresCanHold, unstorableText } from "../events/rules";
import { z } from "./zod";

// Each part of a position as Postgres can read it back, so that no edited cursor reaches a statement with a
// value its casts refuse (a 500): a time that exists, in microseconds, in UTC; text it can store; a bigint.
const timestamp = z.string().datetime({ precision: 6 }).refine(postgresCanHold);
const text = z
  .string()
  .min(1)
  .max(128)
  .refine((v) => unstorableText(v) === undefined);
const bigint = bigintDigits("a bigint");

/**
 * Keyset pagination: a page ends at the sort key of its last row, and the next page starts strictly
 * after it. Unlike OFFSET, a page costs the same however deep it is, and rows arriving meanwhile neither
 * repeat nor vanish. The cursor carries that key, the list it belongs to and a digest of the filters,
 * base64url-encoded; it is validated field by field on the way back in, so a forged or edited cursor is a
 * 400, never a query with unchecked values, and a cursor reused with other filters is refused.
 */
const KEYS = {
  /** raw.threat_events: (ts, event_id), ts in microseconds as Postgres keeps it. */
  events: z.tuple([timestamp, text]),
  /** raw.urlhaus_urls: (date_added, urlhaus_id). */
  urls: z.tuple([timestamp, bigint]),
  /** raw.kev_vulnerabilities: (date_added, cve_id). */
  kev: z.tuple([z.string().date().refine(postgresCanHold), z.string().regex(/^CVE-\d{4}-\d{4,}$/)]),
} as const;

export type CursorList = keyof typeof KEYS;
export type CursorKey<L extends CursorList> = z.output<(typeof KEYS)[L]>;

const Envelope = z.object({ v: z.literal(1), l: z.string(), f: z.string(), k: z.unknown() }).strict();

/**
 * A short digest of the filters a page was asked with (limit and cursor excluded, key order ignored), so
 * a cursor only continues the list it came from.
 */
export function filterDigest(filters: Record<string, unknown>): string {
  const relevant = Object.entries(filters)
    .filter(([name, value]) => value !== undefined && name !== "cursor" && name !== "limit")
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return hash("sha256", JSON.stringify(relevant), "base64url").slice(0, 12);
}

/** The cursor of the page after the row whose sort key is `key`. */
export function encodeCursor<L extends CursorList>(
  list: L,
  key: CursorKey<L>,
  filters: Record<string, unknown>,
): string {
  const envelope = { v: 1, l: list, f: filterDigest(filters), k: key };
  return Buffer.from(JSON.stringify(envelope), "utf8").toString("base64url");
}

/**
 * The sort key a cursor carries.
 * @throws InvalidInputError on field `cursor` when it is not one this API issued for this list and filters.
 */
export function decodeCursor<L extends CursorList>(
  list: L,
  cursor: string,
  filters: Record<string, unknown>,
): CursorKey<L> {
  const refuse = (why: string) => new InvalidInputError("cursor", `${why}; use meta.next_cursor as returned`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refuse("not a cursor of this API");
  }
  const envelope = Envelope.safeParse(parsed);
  if (!envelope.success) throw refuse("not a cursor of this API");
  if (envelope.data.l !== list) throw refuse(`a cursor of another list (${envelope.data.l.slice(0, 20)})`);
  if (envelope.data.f !== filterDigest(filters)) throw refuse("a cursor of the same list with other filters");
  const key = KEYS[list].safeParse(envelope.data.k);
  if (!key.success) throw refuse("a cursor whose position is malformed");
  return key.data as CursorKey<L>;
}

/** A row of a cursor-paged list: what the API shows, and its sort key (the position a cursor carries). */
export interface Positioned<T, L extends CursorList> {
  item: T;
  position: CursorKey<L>;
}

/**
 * One page out of `limit + 1` fetched rows: the extra row only says there is a next page, whose cursor
 * is the sort key of the last row shown.
 */
export function pageOf<R, L extends CursorList>(
  rows: readonly R[],
  limit: number,
  list: L,
  keyOf: (row: R) => CursorKey<L>,
  filters: Record<string, unknown>,
): { rows: R[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  const more = rows.length > limit && last !== undefined;
  return { rows: shown, nextCursor: more ? encodeCursor(list, keyOf(last), filters) : null };
}
