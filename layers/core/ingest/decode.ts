import type { z } from "zod";
import { mayHoldUnstorable, unstorableText } from "../events/rules";
import { type LambdaKafkaRecord, originOf, type RecordOrigin } from "./kafka-records";

/** Why a record can never be ingested, however often it is retried. */
export type PoisonReason = "empty" | "too_large" | "not_json" | "schema";

export type Decoded<T> =
  /** `text`: the value's JSON text as produced, `raw` that text parsed (numbers as JavaScript reads them). */
  | { kind: "valid"; origin: RecordOrigin; event: T; raw: unknown; text: string }
  | { kind: "poison"; origin: RecordOrigin; value: string; reason: PoisonReason; detail: string };

/** Larger payloads are dead-lettered: a threat event is a few hundred bytes; 1 MiB is generous. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/** The first problems of a failed parse, each naming the field, what was wrong and the value seen. */
export function describeIssues(error: z.ZodError, input: unknown, max = 3): string {
  return error.issues
    .slice(0, max)
    .map((issue) => {
      const path = issue.path.join(".") || "(root)";
      let seen: unknown = input;
      for (const part of issue.path) seen = (seen as Record<string | number, unknown> | undefined)?.[part];
      const shown = seen === undefined ? "missing" : JSON.stringify(seen)?.slice(0, 80);
      return `${path}: ${issue.message} (got ${shown})`;
    })
    .join("; ");
}

/**
 * Decodes one Kafka record against `schema`. Never throws: a record that cannot be ingested comes back as
 * poison with the reason and the original bytes (base64), to be dead-lettered without blocking its partition.
 */
export function decodeRecord<S extends z.ZodTypeAny>(
  record: LambdaKafkaRecord,
  schema: S,
  maxBytes = MAX_EVENT_BYTES,
): Decoded<z.output<S>> {
  const origin = originOf(record);
  const value = record.value ?? "";
  const poison = (reason: PoisonReason, detail: string): Decoded<z.output<S>> => ({
    kind: "poison",
    origin,
    value,
    reason,
    detail,
  });
  if (value === "") return poison("empty", "the record has no value");
  const bytes = Buffer.from(value, "base64");
  if (bytes.length > maxBytes) {
    return poison("too_large", `the value is ${bytes.length} bytes; the limit is ${maxBytes}`);
  }
  const text = bytes.toString("utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return poison("not_json", `not JSON: ${(error as Error).message}`);
  }
  // Text Postgres refuses, anywhere in the record (its extra fields too), would fail the whole batch; the
  // record is walked for it only when its text has an escape that could make one.
  if (mayHoldUnstorable(text)) {
    const unstorable = unstorableText(raw);
    if (unstorable !== undefined) return poison("schema", unstorable);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return poison("schema", describeIssues(parsed.error, raw));
  return { kind: "valid", origin, event: parsed.data, raw, text };
}
