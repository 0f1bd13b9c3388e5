import { createHash } from "node:crypto";
import { z } from "zod";
import { InvalidInputError } from "../errors";
import { TECHNIQUE_ID } from "./dataset-metadata";
import RULES_FILE from "./detection-rules.json";
import { SECURITY_EVENT_COLUMNS, type SecurityEventColumn, type StoredSecurityEvent } from "./security-event";

/**
 * Detections are data, not code: `detection-rules.json` lists rules that map patterns in events to ATT&CK
 * techniques (and, where a pattern is one CVE's exploit, to that CVE). A rule names event columns
 * (`event_id`, `process_image`, …), any original field of the export kept in `extra` (`TargetImage`,
 * `GrantedAccess`), or `*` for every text the event holds. Text comparisons ignore case.
 */

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const oneOrMany = <T extends z.ZodTypeAny>(t: T) =>
  z.union([t, z.array(t).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

const OPERATORS = ["equals", "contains", "startsWith", "endsWith", "regex", "exists"] as const;

const FieldConditionSchema = z
  .object({
    field: z.string().min(1),
    equals: oneOrMany(scalar).optional(),
    contains: oneOrMany(z.string().min(1)).optional(),
    startsWith: oneOrMany(z.string().min(1)).optional(),
    endsWith: oneOrMany(z.string().min(1)).optional(),
    regex: z
      .string()
      .min(1)
      .refine((source) => {
        try {
          new RegExp(source, "i");
          return true;
        } catch {
          return false;
        }
      }, "a valid regular expression")
      .optional(),
    exists: z.boolean().optional(),
  })
  .strict()
  .refine((c) => OPERATORS.filter((op) => c[op] !== undefined).length === 1, {
    message: `exactly one of ${OPERATORS.join(", ")}`,
  });

export type FieldCondition = z.output<typeof FieldConditionSchema>;
export type Condition = FieldCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const ConditionSchema: z.ZodType<Condition, z.ZodTypeDef, unknown> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ any: z.array(ConditionSchema).min(1) }).strict(),
    z.object({ not: ConditionSchema }).strict(),
    FieldConditionSchema,
  ]),
);

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;

export const DetectionRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lower-kebab, e.g. lsass-memory-access"),
    title: z.string().min(1),
    description: z.string().min(1),
    technique: z.string().regex(TECHNIQUE_ID, "an ATT&CK technique id such as T1003.001"),
    cve: z
      .string()
      .regex(/^CVE-\d{4}-\d{4,}$/, "a CVE id such as CVE-2021-44228")
      .optional(),
    severity: z.enum(SEVERITIES),
    match: ConditionSchema,
    references: z.array(z.string().url()).default([]),
  })
  .strict();
export type DetectionRule = z.output<typeof DetectionRuleSchema>;

export const DetectionRuleSetSchema = z
  .object({ version: z.string().min(1), rules: z.array(DetectionRuleSchema).min(1) })
  .strict()
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    set.rules.forEach((rule, i) => {
      if (seen.has(rule.id)) {
        ctx.addIssue({ code: "custom", path: ["rules", i, "id"], message: `duplicate rule id "${rule.id}"` });
      }
      seen.add(rule.id);
    });
  });

export interface DetectionRuleSet {
  version: string;
  /** sha256 of the rule set's content: a detection row records which rules produced it. */
  digest: string;
  rules: DetectionRule[];
}

/**
 * Validates a rule set.
 * @throws InvalidInputError naming the path of the first problem (e.g. `rules[2].technique`).
 */
export function parseDetectionRules(document: unknown): DetectionRuleSet {
  const parsed = DetectionRuleSetSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = (issue?.path ?? []).map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    throw new InvalidInputError(`detection rules${path}`, issue?.message ?? "invalid");
  }
  const digest = createHash("sha256").update(JSON.stringify(parsed.data)).digest("hex").slice(0, 16);
  return { version: parsed.data.version, digest, rules: parsed.data.rules };
}

/** The rule set shipped with Vigil (`detection-rules.json`), validated once. */
export const DETECTION_RULES: DetectionRuleSet = parseDetectionRules(RULES_FILE);

const COLUMNS = new Set<string>(SECURITY_EVENT_COLUMNS);

function fieldValues(event: StoredSecurityEvent, field: string): unknown[] {
  if (field === "*") {
    const values: unknown[] = [];
    for (const column of SECURITY_EVENT_COLUMNS) values.push(event[column]);
    collectStrings(event.extra, values);
    return values;
  }
  const value = COLUMNS.has(field) ? event[field as SecurityEventColumn] : event.extra[field];
  return value === undefined || value === null ? [] : [value];
}

function collectStrings(value: unknown, out: unknown[]): void {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) collectStrings(v, out);
}

const lower = (v: unknown) => String(v).toLowerCase();
const regexCache = new Map<string, RegExp>();
const compiled = (source: string) => {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, "i");
    regexCache.set(source, re);
  }
  return re;
};

function matchesField(c: FieldCondition, event: StoredSecurityEvent): boolean {
  const values = fieldValues(event, c.field);
  if (c.exists !== undefined) return values.length > 0 === c.exists;
  return values.some((value) => {
    if (typeof value === "object") return false;
    const text = lower(value);
    if (c.equals) return c.equals.some((e) => lower(e) === text);
    if (c.contains) return c.contains.some((s) => text.includes(s.toLowerCase()));
    if (c.startsWith) return c.startsWith.some((s) => text.startsWith(s.toLowerCase()));
    if (c.endsWith) return c.endsWith.some((s) => text.endsWith(s.toLowerCase()));
    if (c.regex) return compiled(c.regex).test(String(value));
    return false;
  });
}

/** Whether `event` satisfies `condition`. */
export function matches(condition: Condition, event: StoredSecurityEvent): boolean {
  if ("all" in condition) return condition.all.every((c) => matches(c, event));
  if ("any" in condition) return condition.any.some((c) => matches(c, event));
  if ("not" in condition) return !matches(condition.not, event);
  return matchesField(condition, event);
}

/** A rule that fired on one host of one object, with the events that made it fire. */
export interface Detection {
  rule: DetectionRule;
  host: string | null;
  evidence: string[];
  evidenceCount: number;
  firstEventAt: string;
  lastEventAt: string;
}

/** How many evidence event keys a detection keeps (it counts them all). */
export const MAX_EVIDENCE = 1000;

/**
 * Evaluates every rule over events seen one at a time (an object's events are read page by page), and
 * groups what fired by rule and host. Memory grows with what fires, not with the events read.
 */
export class DetectionEngine {
  private readonly found = new Map<string, Detection>();

  constructor(readonly rules: DetectionRuleSet = DETECTION_RULES) {}

  observe(event: StoredSecurityEvent): void {
    for (const rule of this.rules.rules) {
      if (!matches(rule.match, event)) continue;
      const id = `${rule.id}\n${event.host ?? ""}`;
      const d = this.found.get(id);
      if (!d) {
        this.found.set(id, {
          rule,
          host: event.host,
          evidence: [event.event_key],
          evidenceCount: 1,
          firstEventAt: event.event_time,
          lastEventAt: event.event_time,
        });
        continue;
      }
      d.evidenceCount += 1;
      if (d.evidence.length < MAX_EVIDENCE) d.evidence.push(event.event_key);
      // ISO 8601 UTC strings of one width compare as times.
      if (event.event_time < d.firstEventAt) d.firstEventAt = event.event_time;
      if (event.event_time > d.lastEventAt) d.lastEventAt = event.event_time;
    }
  }

  /** What fired, by rule id then host. */
  detections(): Detection[] {
    return [...this.found.values()].sort((a, b) =>
      a.rule.id === b.rule.id
        ? (a.host ?? "").localeCompare(b.host ?? "")
        : a.rule.id.localeCompare(b.rule.id),
    );
  }
}

/** Evaluates the rules over a list of events (tests, small inputs). */
export function evaluateRules(rules: DetectionRuleSet, events: Iterable<StoredSecurityEvent>): Detection[] {
  const engine = new DetectionEngine(rules);
  for (const e of events) engine.observe(e);
  return engine.detections();
}
