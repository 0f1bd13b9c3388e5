import type { z } from "zod";
import { deadLetterTopic } from "../topology";
import { groupForBronze, quarantineObjectKey } from "./bronze-keys";
import { type Decoded, decodeRecord } from "./decode";
import { type LambdaKafkaEvent, type RecordOrigin, recordsOf } from "./kafka-records";

/** A valid record on its way to the sinks, with where it came from and where bronze keeps it. */
export interface IngestedRecord<T> {
  origin: RecordOrigin;
  event: T;
  raw: unknown;
  bronzeKey: string;
}

/** A poison record: the original value (base64), its origin and why it can never be ingested. */
export interface DeadLetter {
  origin: RecordOrigin;
  value: string;
  reason: string;
  detail: string;
  deadLetterTopic: string;
}

/** Port: the bronze lake. Writing a key twice replaces the object (S3 semantics). */
export interface BronzeStore {
  /** One object of JSON Lines, each line already JSON text (without its newline). */
  putJsonLines(key: string, lines: readonly string[]): Promise<void>;
}

/** Port: the dead-letter topics. Resolves once every message is acknowledged by the broker. */
export interface DeadLetterQueue {
  publish(letters: readonly DeadLetter[]): Promise<void>;
}

/** Port: the keyed, idempotent table of one event kind. */
export interface EventSink<T> {
  upsert(records: readonly IngestedRecord<T>[]): Promise<{ written: number }>;
}

export interface IngestDeps<T> {
  bronze: BronzeStore;
  deadLetters: DeadLetterQueue;
  events: EventSink<T>;
}

export interface IngestSummary {
  records: number;
  valid: number;
  poison: number;
  bronzeObjects: number;
  upserted: number;
  /** Where the batch's time went, in milliseconds: decoding, poison handling, bronze, the store. */
  ms: { decode: number; poison: number; bronze: number; store: number };
}

/** A record's Kafka coordinates, as each bronze line starts. */
const coordinates = (origin: RecordOrigin) => ({
  topic: origin.topic,
  partition: origin.partition,
  offset: origin.offset,
  timestamp: origin.timestamp,
  key: origin.key,
});

/**
 * The line bronze keeps per record: its Kafka coordinates, then `value`, the event's JSON text as produced,
 * spliced in rather than parsed and written again, which would round a 64-bit id (12345678901234567890
 * becomes 12345678901234567000) or turn 1e400 into null. Line breaks, which valid JSON has only between
 * its tokens, become spaces: one record, one line.
 */
export const bronzeLine = (r: { origin: RecordOrigin; text: string }) =>
  `${JSON.stringify(coordinates(r.origin)).slice(0, -1)},"value":${r.text.trim().replace(/[\r\n]+/g, " ")}}`;

/**
 * Ingests one Lambda Kafka batch: decodes and validates every record; poison goes to `<topic>.dlq` and
 * bronze `quarantine/` with its reason; valid records go to bronze (gzipped JSONL, deterministic keys),
 * then to the sink in one bulk upsert. Resolves only after every durable write. A sink failure rejects,
 * so the batch is retried whole: bronze objects are overwritten in place and upserts are keyed, hence a
 * retry changes nothing that already landed.
 */
export async function ingestBatch<S extends z.ZodTypeAny>(
  deps: IngestDeps<z.output<S>>,
  event: LambdaKafkaEvent,
  schema: S,
): Promise<IngestSummary> {
  let lap = performance.now();
  const since = () => {
    const now = performance.now();
    const ms = Math.round(now - lap);
    lap = now;
    return ms;
  };
  const decoded: Decoded<z.output<S>>[] = recordsOf(event).map((r) => decodeRecord(r, schema));
  const valid = decoded.filter((d): d is Extract<typeof d, { kind: "valid" }> => d.kind === "valid");
  const poison = decoded.filter((d): d is Extract<typeof d, { kind: "poison" }> => d.kind === "poison");

  const decodeMs = since();
  if (poison.length > 0) {
    const letters: DeadLetter[] = poison.map((p) => ({
      origin: p.origin,
      value: p.value,
      reason: p.reason,
      detail: p.detail,
      deadLetterTopic: deadLetterTopic(p.origin.topic),
    }));
    await deps.deadLetters.publish(letters);
    for (const group of groupForBronze(letters)) {
      const first = group.items[0];
      if (!first) continue;
      await deps.bronze.putJsonLines(
        quarantineObjectKey(first.origin),
        group.items.map((l) =>
          JSON.stringify({
            ...coordinates(l.origin),
            value: null,
            value_base64: l.value,
            reason: l.reason,
            detail: l.detail,
          }),
        ),
      );
    }
  }

  const poisonMs = since();
  const groups = groupForBronze(valid);
  const ingested: IngestedRecord<z.output<S>>[] = [];
  await Promise.all(
    groups.map(async (group) => {
      await deps.bronze.putJsonLines(group.key, group.items.map(bronzeLine));
      for (const item of group.items) {
        ingested.push({ origin: item.origin, event: item.event, raw: item.raw, bronzeKey: group.key });
      }
    }),
  );
  const bronzeMs = since();
  const { written } = ingested.length > 0 ? await deps.events.upsert(ingested) : { written: 0 };
  return {
    records: decoded.length,
    valid: valid.length,
    poison: poison.length,
    bronzeObjects: groups.length,
    upserted: written,
    ms: { decode: decodeMs, poison: poisonMs, bronze: bronzeMs, store: since() },
  };
}
