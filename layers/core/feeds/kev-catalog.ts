import { z } from "zod";
import { FeedRejectedError, InvalidInputError } from "../errors";

/**
 * The CISA Known Exploited Vulnerabilities catalogue (github.com/cisagov/kev-data): parsing one publication
 * against the published JSON schema, and diffing it against what is stored. Pure: no network, no I/O.
 * CISA edits entries after adding them (ransomware flag, description, notes, product), so KEV is keyed on
 * `cveID` with a change history, never appended blindly.
 */

const CVE_ID = /^CVE-[0-9]{4}-[0-9]{4,19}$/;
const CWE_ID = /^CWE-[0-9]+$/;

/** Every issue is rendered as "expected …", so the built-in zod messages are replaced by ones that read so. */
const text = () => z.string({ required_error: "a required string", invalid_type_error: "a string" });
const calendarDate = () =>
  // zod's `.date()` checks the calendar (month lengths, leap years), which the published `format: date` means.
  text().date("a calendar date YYYY-MM-DD");

/**
 * One vulnerability as the published schema (draft-07) defines it: eight required fields, three optional.
 * Fields the schema does not know are accepted and dropped, so CISA adding one never rejects a publication.
 */
export const KevVulnerabilitySchema = z.object(
  {
    cveID: text().regex(CVE_ID, "a CVE id matching ^CVE-[0-9]{4}-[0-9]{4,19}$"),
    vendorProject: text(),
    product: text(),
    vulnerabilityName: text(),
    dateAdded: calendarDate(),
    shortDescription: text(),
    requiredAction: text(),
    dueDate: calendarDate(),
    knownRansomwareCampaignUse: text().optional(),
    notes: text().optional(),
    cwes: z
      .array(text().regex(CWE_ID, "a CWE id matching ^CWE-[0-9]+$"), { invalid_type_error: "an array" })
      .optional(),
  },
  { invalid_type_error: "an object (one vulnerability)" },
);

export type KevVulnerability = z.output<typeof KevVulnerabilitySchema>;

/** The catalogue envelope; `title` is published but optional, anything else unknown is dropped. */
export const KevCatalogSchema = z.object(
  {
    title: text().optional(),
    catalogVersion: text(),
    dateReleased: text().datetime({ offset: true, message: "an ISO 8601 date-time with a zone" }),
    count: z
      .number({ required_error: "a required integer", invalid_type_error: "an integer" })
      .int("an integer")
      .nonnegative("a count of 0 or more"),
    vulnerabilities: z.array(KevVulnerabilitySchema, {
      required_error: "a required array",
      invalid_type_error: "an array",
    }),
  },
  { invalid_type_error: "a JSON object (the catalogue)" },
);

/** One catalogue entry with all eleven published fields; absent optional ones read "Unknown", "" and []. */
export interface KevEntry {
  cveID: string;
  vendorProject: string;
  product: string;
  vulnerabilityName: string;
  dateAdded: string;
  shortDescription: string;
  requiredAction: string;
  dueDate: string;
  knownRansomwareCampaignUse: string;
  notes: string;
  cwes: string[];
}

export interface KevCatalog {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  vulnerabilities: KevEntry[];
}

/** The eleven entry fields, in the order CISA publishes them (and diffs report them). */
export const KEV_FIELDS: readonly (keyof KevEntry)[] = [
  "cveID",
  "vendorProject",
  "product",
  "vulnerabilityName",
  "dateAdded",
  "shortDescription",
  "requiredAction",
  "dueDate",
  "knownRansomwareCampaignUse",
  "notes",
  "cwes",
];

/** How many schema issues a rejection spells out; the total is always given. */
const MAX_ISSUES_SHOWN = 3;

/**
 * Parses one KEV publication (the JSON body as fetched) into a normalised catalogue.
 *
 * @throws FeedRejectedError when the body is not UTF-8, not JSON (with the offset, line, column and an
 *   excerpt; "truncated" when it ends early), fails the published schema (the first issues with their JSON
 *   path, the value seen and what was expected), lists a cveID twice, or its `count` disagrees with the
 *   number of entries (a silent truncation). The caller keeps its last good snapshot.
 */
export function parseKevCatalog(body: string | Uint8Array): KevCatalog {
  const json = decodeBody(body);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw jsonRejection(json, error);
  }

  const parsed = KevCatalogSchema.safeParse(raw);
  if (!parsed.success) throw schemaRejection(parsed.error, raw);
  const { catalogVersion, dateReleased, count, vulnerabilities } = parsed.data;

  const seen = new Map<string, number>();
  for (const [index, v] of vulnerabilities.entries()) {
    const first = seen.get(v.cveID);
    if (first !== undefined) {
      throw new FeedRejectedError(
        "kev",
        `${v.cveID} is listed twice, at vulnerabilities[${first}] and vulnerabilities[${index}]`,
        `vulnerabilities[${index}].cveID`,
      );
    }
    seen.set(v.cveID, index);
  }

  if (count !== vulnerabilities.length) {
    throw new FeedRejectedError(
      "kev",
      `count says ${formatInt(count)} vulnerabilities but the catalogue lists ${formatInt(vulnerabilities.length)}` +
        " (cut off or padded?)",
      "count",
    );
  }

  return { catalogVersion, dateReleased, count, vulnerabilities: vulnerabilities.map(toKevEntry) };
}

/** Fills the optional fields with what their absence means, so every entry has all eleven. */
function toKevEntry(v: KevVulnerability): KevEntry {
  return {
    cveID: v.cveID,
    vendorProject: v.vendorProject,
    product: v.product,
    vulnerabilityName: v.vulnerabilityName,
    dateAdded: v.dateAdded,
    shortDescription: v.shortDescription,
    requiredAction: v.requiredAction,
    dueDate: v.dueDate,
    // The schema defines "Unknown" as "CISA lacks confirmation", which is what an absent flag says too.
    knownRansomwareCampaignUse: v.knownRansomwareCampaignUse ?? "Unknown",
    notes: v.notes ?? "",
    cwes: v.cwes ?? [],
  };
}

function decodeBody(body: string | Uint8Array): string {
  // Offsets are reported after the BOM, as an editor (which hides it) counts columns.
  if (typeof body === "string") return body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  try {
    // `fatal` so that mojibake is rejected, not stored; the decoder drops a leading BOM itself.
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    const lenient = new TextDecoder("utf-8").decode(body);
    // The first replacement character is the first bad sequence, unless the feed itself carries a U+FFFD.
    const offset = lenient.indexOf("\uFFFD");
    throw new FeedRejectedError(
      "kev",
      "the publication is not valid UTF-8",
      offset === -1 ? undefined : position(lenient, offset),
    );
  }
}

// ── invalid JSON ──────────────────────────────────────────────────────────────────────────────────────

/** Where a JSON text first goes wrong: `truncated` when it is well-formed up to its end but incomplete. */
export interface JsonSyntaxFault {
  offset: number;
  truncated: boolean;
  expected: string;
}

const EXCERPT_CHARS = 40;

function jsonRejection(json: string, error: unknown): FeedRejectedError {
  if (json.trim() === "") return new FeedRejectedError("kev", "the publication is empty", position(json, 0));
  const fault = locateJsonFault(json);
  if (fault === undefined) {
    // Not reached for input JSON.parse refused, but never swallow the engine's own account.
    return new FeedRejectedError("kev", `the publication is not valid JSON: ${(error as Error).message}`);
  }
  const { offset, truncated, expected } = fault;
  const before = json.slice(Math.max(0, offset - EXCERPT_CHARS), offset);
  if (truncated) {
    return new FeedRejectedError(
      "kev",
      `the publication is not valid JSON — it ends early (truncated?) after ${formatInt(offset)} characters, ` +
        `expecting ${expected}; it ends with …${JSON.stringify(before)}`,
      position(json, offset),
    );
  }
  const found = String.fromCodePoint(json.codePointAt(offset) ?? 0);
  const after = json.slice(offset, offset + EXCERPT_CHARS);
  return new FeedRejectedError(
    "kev",
    `the publication is not valid JSON — expected ${expected} but found ${JSON.stringify(found)}, ` +
      `near …${JSON.stringify(before)} ⟶ ${JSON.stringify(after)}…`,
    position(json, offset),
  );
}

/** "character 9, line 2, column 4" (1-based line and column; the offset counts UTF-16 units from 0). */
function position(source: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf("\n"); i !== -1 && i < offset; i = source.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `character ${formatInt(offset)}, line ${line}, column ${offset - lineStart + 1}`;
}

/** 276042 → "276,042", without depending on the runtime's locale data. */
function formatInt(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

type JsonState = "value" | "valueOrClose" | "key" | "keyOrClose" | "afterValue";

/**
 * Finds the first syntax error in a JSON text. JSON.parse's messages differ between V8 versions and often
 * give no position (`Unexpected token 'x', "…" is not valid JSON`), so the spot is found here instead. A
 * linear scan with an explicit stack (no recursion: a hostile nesting depth cannot overflow it); only run
 * after JSON.parse failed. Returns undefined for a valid text.
 */
export function locateJsonFault(json: string): JsonSyntaxFault | undefined {
  const n = json.length;
  const stack: number[] = []; // the open brackets, as char codes
  let state: JsonState = "value";
  let i = 0;
  const fail = (expected: string): JsonSyntaxFault => ({ offset: i, truncated: i >= n, expected });

  for (;;) {
    while (i < n && isJsonSpace(json.charCodeAt(i))) i++;
    if (i >= n) {
      if (state === "afterValue" && stack.length === 0) return undefined;
      return fail(expectation(state, stack));
    }
    const c = json.charCodeAt(i);
    switch (state) {
      case "valueOrClose":
      case "value": {
        if (state === "valueOrClose" && c === 0x5d /* ] */) {
          stack.pop();
          i++;
          state = "afterValue";
          break;
        }
        if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
          stack.push(c);
          i++;
          state = c === 0x7b ? "keyOrClose" : "valueOrClose";
          break;
        }
        const end = scanScalar(json, i);
        if (typeof end !== "number") return end;
        if (end === i) return fail(expectation(state, stack));
        i = end;
        state = "afterValue";
        break;
      }
      case "keyOrClose":
      case "key": {
        if (state === "keyOrClose" && c === 0x7d /* } */) {
          stack.pop();
          i++;
          state = "afterValue";
          break;
        }
        if (c !== 0x22 /* " */) return fail(expectation(state, stack));
        const end = scanString(json, i);
        if (typeof end !== "number") return end;
        i = end;
        while (i < n && isJsonSpace(json.charCodeAt(i))) i++;
        if (i >= n || json.charCodeAt(i) !== 0x3a /* : */) return fail("':' after a property name");
        i++;
        state = "value";
        break;
      }
      case "afterValue": {
        const open = stack.at(-1);
        if (open === undefined) return fail("the end of the text after the JSON value");
        const close = open === 0x7b ? 0x7d : 0x5d;
        if (c === 0x2c /* , */) {
          i++;
          state = open === 0x7b ? "key" : "value";
        } else if (c === close) {
          stack.pop();
          i++;
        } else {
          return fail(expectation(state, stack));
        }
        break;
      }
    }
  }
}

function expectation(state: JsonState, stack: readonly number[]): string {
  switch (state) {
    case "value":
      return "a value";
    case "valueOrClose":
      return "a value or ']'";
    case "key":
      return "a property name in double quotes";
    case "keyOrClose":
      return "a property name in double quotes or '}'";
    case "afterValue": {
      const open = stack.at(-1);
      if (open === undefined) return "the end of the text";
      return open === 0x7b ? "',' or '}'" : "',' or ']'";
    }
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The end offset of the string starting at `start` (a double quote), or the fault inside it. */
function scanString(json: string, start: number): number | JsonSyntaxFault {
  const n = json.length;
  let i = start + 1;
  while (i < n) {
    const c = json.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) {
      return { offset: i, truncated: false, expected: "a closing '\"' (control characters must be escaped)" };
    }
    if (c !== 0x5c /* \ */) {
      i++;
      continue;
    }
    if (i + 1 >= n) break;
    if (json.charCodeAt(i + 1) === 0x75 /* u */) {
      for (let k = i + 2; k < i + 6; k++) {
        if (k >= n) return { offset: n, truncated: true, expected: "4 hex digits after \\u" };
        if (!/[0-9a-fA-F]/.test(json.charAt(k))) {
          return { offset: k, truncated: false, expected: "a hex digit" };
        }
      }
      i += 6;
    } else if ('"\\/bfnrt'.includes(json.charAt(i + 1))) {
      i += 2;
    } else {
      return { offset: i + 1, truncated: false, expected: 'an escape (one of "\\/bfnrtu)' };
    }
  }
  return { offset: n, truncated: true, expected: "the rest of a string and its closing '\"'" };
}

const LITERALS = ["true", "false", "null"];
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** The end of the string, number or literal at `start`; `start` itself when nothing there begins a value. */
function scanScalar(json: string, start: number): number | JsonSyntaxFault {
  const n = json.length;
  const c = json.charCodeAt(start);
  if (c === 0x22) return scanString(json, start);
  if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
    NUMBER.lastIndex = start;
    if (NUMBER.exec(json) === null) {
      return { offset: start + 1, truncated: start + 1 >= n, expected: "a digit" };
    }
    const end = NUMBER.lastIndex;
    // "1." or "1e+" stops short of its digits: malformed there, or truncated when the text ends there.
    const next = json.charAt(end);
    if (next === "." || next === "e" || next === "E") {
      let k = end + 1;
      if (next !== "." && (json.charAt(k) === "+" || json.charAt(k) === "-")) k++;
      return { offset: k, truncated: k >= n, expected: "a digit" };
    }
    return end;
  }
  for (const word of LITERALS) {
    const got = json.slice(start, start + word.length);
    if (got === word) return start + word.length;
    if (got.length < word.length && word.startsWith(got) && start + got.length === json.length) {
      return { offset: json.length, truncated: true, expected: `the rest of '${word}'` };
    }
  }
  return start;
}

// ── schema failures ───────────────────────────────────────────────────────────────────────────────────

function schemaRejection(error: z.ZodError, input: unknown): FeedRejectedError {
  const { issues } = error;
  const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((issue) => {
    const path = jsonPath(issue.path);
    return `${path}: expected ${issue.message}, got ${describeValue(valueAt(input, issue.path))}`;
  });
  const more = issues.length > MAX_ISSUES_SHOWN ? `; … ${issues.length - MAX_ISSUES_SHOWN} more` : "";
  const total = issues.length === 1 ? "1 problem" : `${formatInt(issues.length)} problems`;
  return new FeedRejectedError(
    "kev",
    `the publication does not match the KEV schema (${total}): ${shown.join("; ")}${more}`,
    jsonPath(issues[0]?.path ?? []),
  );
}

/** `["vulnerabilities", 17, "cveID"]` → `vulnerabilities[17].cveID`; the root is `$`. */
function jsonPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out === "" ? "$" : out;
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[part];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (missing)";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === "object") return "an object";
  const shown = JSON.stringify(value);
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}

// ── fields ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A vendor name for grouping: trimmed, inner whitespace collapsed to one space, case kept. CISA's names
 * carry stray spaces ("SimpleHelp ", "Array Networks "), which would otherwise split one vendor in two.
 */
export function normaliseVendor(name: string): string {
  return name.trim().replace(/\s+/g, " ");
}

/** Splits where a URL ends: whitespace, or a ';' or ',' glued to the next URL ("…/HT213843,https://…"). */
const URL_BREAK = /\s+|[;,](?=https?:\/\/)/i;
const URL_START = /https?:\/\//i;
const TRAILING_PUNCTUATION = /[.,;:!?'"]+$/;

/**
 * The http(s) URLs inside an entry's `notes`, in order, without repeats. The separator is meant to be
 * " ; " but the real feed also has ";", "; ", ", " and URLs glued with ","; prose around them, a full stop
 * or an unbalanced ")" after them, and archive URLs that embed another URL ("…/web/2019…/https://…") stay
 * one URL.
 */
export function notesUrls(notes: string): string[] {
  const urls = new Set<string>();
  for (const token of notes.split(URL_BREAK)) {
    const start = token.search(URL_START);
    if (start === -1) continue;
    let url = token.slice(start).replace(TRAILING_PUNCTUATION, "");
    if (url.endsWith(")") && !url.includes("(")) url = url.slice(0, -1).replace(TRAILING_PUNCTUATION, "");
    if (URL.canParse(url)) urls.add(url);
  }
  return [...urls];
}

/** One entry as a `kev_vulnerabilities` row: snake_case, the vendor both as published and normalised. */
export interface KevRow {
  cve_id: string;
  vendor_project_raw: string;
  vendor_project: string;
  product: string;
  vulnerability_name: string;
  date_added: string;
  short_description: string;
  required_action: string;
  due_date: string;
  known_ransomware_campaign_use: string;
  ransomware_known: boolean;
  notes: string;
  notes_urls: string[];
  cwes: string[];
}

/** Where each published field lives in a row (the vendor as published: `vendor_project_raw`). */
const ROW_COLUMN = {
  cveID: "cve_id",
  vendorProject: "vendor_project_raw",
  product: "product",
  vulnerabilityName: "vulnerability_name",
  dateAdded: "date_added",
  shortDescription: "short_description",
  requiredAction: "required_action",
  dueDate: "due_date",
  knownRansomwareCampaignUse: "known_ransomware_campaign_use",
  notes: "notes",
  cwes: "cwes",
} as const satisfies Record<keyof KevEntry, keyof KevRow>;

type PublishedColumns = Pick<KevRow, (typeof ROW_COLUMN)[keyof KevEntry]>;

/** Maps an entry to its row; `ransomware_known` is true only for "Known" (any case, any padding). */
export function toKevRow(entry: KevEntry): KevRow {
  const published = Object.fromEntries(
    KEV_FIELDS.map((field) => [ROW_COLUMN[field], field === "cwes" ? [...entry.cwes] : entry[field]]),
  ) as PublishedColumns;
  return {
    ...published,
    vendor_project: normaliseVendor(entry.vendorProject),
    ransomware_known: entry.knownRansomwareCampaignUse.trim().toLowerCase() === "known",
    notes_urls: notesUrls(entry.notes),
  };
}

/** The published entry a stored row holds (the inverse of `toKevRow`): what the next catalogue is diffed with. */
export function fromKevRow(row: PublishedColumns): KevEntry {
  return Object.fromEntries(
    KEV_FIELDS.map((field) => [field, row[ROW_COLUMN[field]]]),
  ) as unknown as KevEntry;
}

// ── diff ──────────────────────────────────────────────────────────────────────────────────────────────

export type KevChange =
  | { cve_id: string; change: "added"; field: null; before: null; after: KevEntry }
  | {
      cve_id: string;
      change: "modified";
      field: keyof KevEntry;
      before: string | string[];
      after: string | string[];
    }
  | { cve_id: string; change: "removed"; field: null; before: KevEntry; after: null };

export interface KevDiff {
  changes: KevChange[];
  added: number;
  modified: number;
  removed: number;
  unchanged: number;
}

/**
 * What changed between the stored entries and a new publication, keyed on cveID: one change per added or
 * removed entry and one per modified field, ordered by cve_id then field order (KEV_FIELDS), so the same
 * inputs always give the same history. `cwes` is compared as a set (CISA reorders it without meaning
 * anything); the arrays are reported as published. Linear in the number of entries (plus the final sort).
 *
 * @param previous the entries currently stored (empty on the first load)
 * @param next the entries of the new publication
 * @throws InvalidInputError when `next` lists a cveID twice (parseKevCatalog never returns such a list)
 */
export function diffKevCatalog(previous: Iterable<KevEntry>, next: readonly KevEntry[]): KevDiff {
  const before = new Map<string, KevEntry>();
  for (const entry of previous) before.set(entry.cveID, entry);

  const changes: KevChange[] = [];
  const seen = new Set<string>();
  let added = 0;
  let modified = 0;
  let unchanged = 0;
  for (const entry of next) {
    const cve = entry.cveID;
    if (seen.has(cve)) throw new InvalidInputError("next", `${cve} is listed twice`);
    seen.add(cve);
    const old = before.get(cve);
    if (old === undefined) {
      changes.push({ cve_id: cve, change: "added", field: null, before: null, after: entry });
      added++;
      continue;
    }
    let changed = false;
    for (const field of KEV_FIELDS) {
      const a = old[field];
      const b = entry[field];
      if (typeof a === "string" || typeof b === "string" ? a === b : sameSet(a, b)) continue;
      changes.push({ cve_id: cve, change: "modified", field, before: copy(a), after: copy(b) });
      changed = true;
    }
    if (changed) modified++;
    else unchanged++;
  }

  let removed = 0;
  for (const [cve, entry] of before) {
    if (seen.has(cve)) continue;
    changes.push({ cve_id: cve, change: "removed", field: null, before: entry, after: null });
    removed++;
  }

  changes.sort(byCveThenField);
  return { changes, added, modified, removed, unchanged };
}

const FIELD_ORDER = new Map(KEV_FIELDS.map((field, index) => [field, index]));

function byCveThenField(x: KevChange, y: KevChange): number {
  // Code-unit order, not localeCompare: the same on every machine and locale.
  if (x.cve_id !== y.cve_id) return x.cve_id < y.cve_id ? -1 : 1;
  const fx = x.field === null ? -1 : (FIELD_ORDER.get(x.field) ?? -1);
  const fy = y.field === null ? -1 : (FIELD_ORDER.get(y.field) ?? -1);
  return fx - fy;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  // Nearly always identical as published; sorting is for the rare reordering.
  if (a.length === b.length && a.every((v, i) => v === b[i])) return true;
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Changes hold their own arrays, so a caller mutating an entry later cannot rewrite history. */
function copy(value: string | string[]): string | string[] {
  return typeof value === "string" ? value : [...value];
}
