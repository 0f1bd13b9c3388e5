import { isIP } from "node:net";
import { z } from "zod";

// The rules a value must meet to be stored, shared by the ingest's schemas (a record that breaks one is
// poison, dead-lettered naming the field, instead of failing its whole batch in Postgres on every retry)
// and the API's parameters (a 400 naming the parameter, instead of a 500 from a cast).

/**
 * An IPv4 or IPv6 address as Postgres's `inet` reads it: digits, hex, dots and colons only (node's isIP also
 * takes an IPv6 zone, `fe80::1%eth0`, which inet refuses, and which no URL or graph key can hold).
 */
export const ipAddress = (message: string) =>
  z.string().refine((v) => /^[0-9A-Fa-f:.]+$/.test(v) && isIP(v) !== 0, message);

/** Text trimmed, then 1 to `max` characters: free-text fields and the API's text filters. */
export const boundedText = (max: number) =>
  z.string().trim().min(1, `1 to ${max} characters`).max(max, `1 to ${max} characters`);

/**
 * Whether Postgres can hold a time or day that ISO 8601's form allows: its year is from 0001 (there is no
 * year 0000) and its zone offset, if any, at most 15:59 either way (the form allows up to 99:99; real zones
 * span -12:00 to +14:00). Postgres refuses the others with an error, not an empty answer.
 */
export function postgresCanHold(text: string): boolean {
  if (text.startsWith("0000")) return false;
  const offset = /T.*[+-](\d{2}):?(\d{2})$/.exec(text);
  return offset === null || (Number(offset[1]) <= 15 && Number(offset[2]) <= 59);
}

export const INSTANT_RULE = "an ISO 8601 time with a zone (offset up to ±15:59, year from 0001)";

/** An instant with its zone, ISO 8601 (`2026-11-25T10:00:00Z`), that Postgres can hold. */
export const storableInstant = (message = INSTANT_RULE) =>
  z.string().datetime({ offset: true, message }).refine(postgresCanHold, message);

// The parts of an instant storableInstant accepts: seconds and their fraction are optional (`…T10:00Z`), the
// offset `Z`, `±hh:mm` or `±hhmm`.
const INSTANT_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/i;

/**
 * An instant that storableInstant accepts, in microseconds since 1970 (Postgres's precision, rounded as it
 * rounds), so two instants compare as Postgres compares them: Date.parse keeps milliseconds only. The
 * ingest orders versions of an event by it, as the upsert does; the API checks `until` after `since` with it.
 */
export function instantMicros(text: string): bigint {
  const m = INSTANT_PARTS.exec(text);
  if (!m) throw new Error(`not an instant: ${JSON.stringify(text.slice(0, 40))}`);
  const [, year, month, day, hour, minute, second = "0", fraction = "", sign, offsetHours, offsetMinutes] = m;
  const utc = new Date(0);
  utc.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  utc.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const offsetMs = sign
    ? (sign === "-" ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000
    : 0;
  const digits = `${fraction}0000000`;
  const micros = BigInt(digits.slice(0, 6)) + (Number(digits[6]) >= 5 ? 1n : 0n);
  return BigInt(utc.getTime() - offsetMs) * 1000n + micros;
}

/**
 * An instant that storableInstant accepts, written in UTC with microseconds (`2026-11-25T10:00:00.000001Z`):
 * string order is time order, to the precision Postgres keeps (the graph compares versions by it).
 */
export function utcMicrosText(text: string): string {
  const micros = instantMicros(text);
  const within = ((micros % 1000n) + 1000n) % 1000n;
  const ms = new Date(Number((micros - within) / 1000n)).toISOString();
  return `${ms.slice(0, -1)}${String(within).padStart(3, "0")}Z`;
}

const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** A whole number written in digits that Postgres's bigint holds (up to 9223372036854775807). */
export const bigintDigits = (message: string) =>
  z
    .string()
    .regex(/^\d{1,19}$/, message)
    .refine((v) => BigInt(v) <= BIGINT_MAX, message);

// A NUL character, or half of a UTF-16 surrogate pair.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the NUL character is what it looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, "g");

/**
 * The first string of parsed JSON, a value or a field's name at any depth, that Postgres cannot store, as
 * `path: problem (got "…")`; undefined when there is none. Text and jsonb refuse a NUL character, and jsonb
 * half of a surrogate pair (`"\ud800"`, which JSON allows and JSON.stringify writes).
 */
export function unstorableText(value: unknown, path: string[] = []): string | undefined {
  const at = (where: string[]) => where.join(".") || "(root)";
  const problem = (text: string) =>
    text.includes("\u0000") ? "a NUL character" : "half of a UTF-16 surrogate pair";
  if (typeof value === "string") {
    if (!UNSTORABLE.test(value)) return undefined;
    return `${at(path)}: ${problem(value)}, which Postgres cannot store (got ${JSON.stringify(value).slice(0, 80)})`;
  }
  if (typeof value !== "object" || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) {
      return `${at([...path, JSON.stringify(key)])}: a field name with ${problem(key)}, which Postgres cannot store`;
    }
    const found = unstorableText(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Whether JSON text may parse into text Postgres cannot store: only an escape (`\u0000`, `\uD800` to
 * `\uDFFF`, in any case) can put a NUL character or half a surrogate pair into parsed JSON, since decoded
 * UTF-8 holds neither. Text without one need not be walked with unstorableText.
 */
export const mayHoldUnstorable = (jsonText: string) => /\\u(?:0000|[dD][89a-fA-F])/.test(jsonText);

/** Text with each NUL character and half surrogate pair replaced by U+FFFD, to be stored as a description. */
export const storableText = (text: string) => text.replace(UNSTORABLE_ALL, "\uFFFD");
