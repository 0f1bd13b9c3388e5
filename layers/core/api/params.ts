import type { ZodOpenAPIMetadata } from "@asteasolutions/zod-to-openapi";
import type { ZodError } from "zod";
import { InvalidInputError } from "../errors";
import { boundedText, INSTANT_RULE, ipAddress, postgresCanHold, storableInstant } from "../events/rules";
import { z } from "./zod";

export { instantMicros } from "../events/rules";

/**
 * The document of a query parameter that arrives as text but means a number or a boolean: described by
 * what it means (an integer in bounds, its default as a number), which the text-typed metadata of the
 * generator cannot spell.
 */
// biome-ignore lint/suspicious/noExplicitAny: the generator types examples and defaults as the wire type (text).
const meaning = (schema: Record<string, unknown>) => schema as Partial<ZodOpenAPIMetadata<any>>;

/** Rows per page: 1 to 500, 50 when absent. */
export const LIMIT = { min: 1, max: 500, default: 50 } as const;

/** The longest query string a route reads; anything longer is refused before any database work. */
export const MAX_QUERY_STRING_BYTES = 8 * 1024;

/**
 * A whole number in a query string, within bounds. Query parameters are strings on the wire, so the
 * digits are checked before conversion: `1e9`, `0x10` or `""` are refused instead of coerced.
 */
export const wholeNumber = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `a whole number from ${min} to ${max}`)
        .max(max, `a whole number from ${min} to ${max}`),
    )
    .optional()
    .transform((v) => v ?? fallback)
    .openapi(meaning({ type: "integer", minimum: min, maximum: max, default: fallback }));

export const limitParam = wholeNumber(LIMIT.min, LIMIT.max, LIMIT.default).describe(
  `Rows per page, ${LIMIT.min} to ${LIMIT.max} (default ${LIMIT.default})`,
);

/**
 * Rows per part of the IP pivot, which answers three lists (events, URLs, sightings) in one response: its
 * default keeps a whole pivot near the size of one list page (3 × 20 rows against 50).
 */
export const PIVOT_LIMIT = { ...LIMIT, default: 20 } as const;

export const pivotLimitParam = wholeNumber(PIVOT_LIMIT.min, PIVOT_LIMIT.max, PIVOT_LIMIT.default).describe(
  `Rows of each part (events, URLs, sightings), ${PIVOT_LIMIT.min} to ${PIVOT_LIMIT.max} ` +
    `(default ${PIVOT_LIMIT.default})`,
);

/** A score in [0, 1] as a decimal string (`0.8`, `1`, `.5` is refused: write `0.5`). */
export const scoreParam = z
  .string()
  .regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, "a decimal from 0 to 1, e.g. 0.8")
  .transform(Number)
  .openapi(meaning({ type: "number", minimum: 0, maximum: 1, example: 0.8 }));

const INSTANT = `${INSTANT_RULE}, e.g. 2026-11-25T10:00:00Z`;

/** An instant with its zone, ISO 8601 (`2026-11-25T10:00:00Z`), that Postgres can hold. */
export const instantParam = storableInstant(INSTANT).openapi({ example: "2026-11-25T10:00:00Z" });

const DAY = "a day as YYYY-MM-DD (from 0001-01-01), e.g. 2025-01-24";

/** A calendar day, `YYYY-MM-DD`, that exists. */
export const dayParam = z.string().date(DAY).refine(postgresCanHold, DAY).openapi({ example: "2025-01-24" });

/** `true` or `false`, spelt out. */
export const booleanParam = z
  .enum(["true", "false"], { message: "true or false" })
  .transform((v) => v === "true")
  .openapi(meaning({ type: "boolean" }));

/** An IPv4 or IPv6 address (no brackets, no port, no prefix length). */
export const ipParam = ipAddress("an IPv4 or IPv6 address, e.g. 198.51.100.7 or 2001:db8::7").openapi({
  example: "198.51.100.7",
});

/** Free text of a filter: trimmed, 1 to `max` characters (as the ingest reads free-text fields). */
export const textParam = boundedText;

/** An opaque page cursor, as returned in `meta.next_cursor`. */
export const cursorParam = z
  .string()
  .max(512, "a cursor returned by the previous page")
  .regex(/^[A-Za-z0-9_-]+$/, "a cursor returned by the previous page")
  .optional()
  .describe("Opaque cursor from `meta.next_cursor` of the previous page (same filters)");

/** The longest part of a refused value an error message quotes. */
const QUOTED_UP_TO = 64;

/** A refused value as a message quotes it: JSON-escaped, cut at QUOTED_UP_TO characters. */
const quoted = (value: string) =>
  JSON.stringify(value.length > QUOTED_UP_TO ? `${value.slice(0, QUOTED_UP_TO)}…` : value);

/**
 * A parameter the query string gives more than once, with its values, as InvalidInputError's problem: API
 * Gateway (and serverless offline) join repeated values with commas into one (`actor=a&actor=b` arrives as
 * `actor: "a,b"`), which matches nothing and would answer an empty page instead of saying why. Read from the
 * raw query string, so a comma inside one value is not mistaken for two.
 */
export function repeatedParameter(rawQueryString: string | undefined): InvalidInputError | undefined {
  if (!rawQueryString) return undefined;
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const given = values.get(name);
    if (given === undefined) values.set(name, [value]);
    else given.push(value);
  }
  for (const [name, given] of values) {
    if (given.length > 1) {
      const got = given.slice(0, 3).map(quoted).join(", ") + (given.length > 3 ? ", …" : "");
      return new InvalidInputError(name, `got ${given.length} values (${got}); expected one`);
    }
  }
  return undefined;
}

/**
 * The first problem of a failed parse as the API reports it: the field (the parameter's name), the value
 * given (quoted, cut short) and what was expected. An unknown parameter names itself and the accepted ones,
 * so a typo is not silently ignored. `input` is what was parsed, to quote from.
 */
export function invalidInput(
  error: ZodError,
  accepted: readonly string[] = [],
  input: Record<string, unknown> = {},
): InvalidInputError {
  const issue = error.issues[0];
  if (!issue) return new InvalidInputError("request", "is invalid");
  if (issue.code === "unrecognized_keys") {
    const name = issue.keys[0] ?? "parameter";
    const known = accepted.length ? `; accepted: ${accepted.join(", ")}` : "";
    return new InvalidInputError(name, `unknown parameter${known}`);
  }
  const field = issue.path.length ? issue.path.join(".") : "request";
  if (issue.code === "invalid_type" && issue.received === "undefined") {
    return new InvalidInputError(field, "is required");
  }
  const expected = issue.code === "invalid_enum_value" ? `one of ${issue.options.join(", ")}` : issue.message;
  const value = input[String(issue.path[0])];
  const got = typeof value === "string" ? `got ${quoted(value)}; expected ` : "";
  return new InvalidInputError(field, `${got}${expected}`);
}
