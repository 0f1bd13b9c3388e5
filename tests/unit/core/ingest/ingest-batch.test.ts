import { describe, expect, it } from "vitest";
import { type ThreatEvent, ThreatEventSchema } from "../../../../layers/core/events/threat-event";
import {
  type DeadLetter,
  type IngestDeps,
  type IngestedRecord,
  ingestBatch,
} from "../../../../layers/core/ingest/ingest-batch";
import type { LambdaKafkaEvent } from "../../../../layers/core/ingest/kafka-records";
import { ingestByTopic } from "../../../../layers/core/ingest/route";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const ts = Date.UTC(2026, 10, 25, 10);
const event = (values: string[], topic = "threat.events"): LambdaKafkaEvent => ({
  eventSource: "SelfManagedKafka",
  records: {
    [`${topic}-0`]: values.map((v, i) => ({
      topic,
      partition: 0,
      offset: 100 + i,
      timestamp: ts,
      value: b64(v),
    })),
  },
});
const valid = (id: string) => JSON.stringify({ event_id: id, ts: "2026-11-25T10:00:00Z" });

/** Small in-memory sinks that record the order of the writes; `failUpsert` simulates Postgres down. */
function fakes(failUpsert = false) {
  const log: string[] = [];
  const objects = new Map<string, unknown[]>();
  const letters: DeadLetter[] = [];
  const rows: IngestedRecord<ThreatEvent>[] = [];
  const deps: IngestDeps<ThreatEvent> = {
    bronze: {
      putJsonLines: async (key, lines) => {
        log.push(`bronze ${key.split("/")[0]}`);
        objects.set(key, [...lines]);
      },
    },
    deadLetters: {
      publish: async (list) => {
        log.push("dlq");
        letters.push(...list);
      },
    },
    events: {
      upsert: async (list) => {
        log.push("upsert");
        if (failUpsert) throw new Error("postgres: connection refused");
        rows.push(...list);
        return { written: list.length };
      },
    },
  };
  return { deps, log, objects, letters, rows };
}

describe("ingesting a batch", () => {
  it("dead-letters poison, then writes bronze, then upserts, and reports what it did", async () => {
    const f = fakes();
    const summary = await ingestBatch(f.deps, event([valid("a"), "not json", valid("b")]), ThreatEventSchema);
    expect(summary).toEqual({
      records: 3,
      valid: 2,
      poison: 1,
      bronzeObjects: 1,
      upserted: 2,
      ms: {
        decode: expect.any(Number),
        poison: expect.any(Number),
        bronze: expect.any(Number),
        store: expect.any(Number),
      },
    });
    expect(f.log).toEqual(["dlq", "bronze quarantine", "bronze events", "upsert"]);
    expect(f.letters[0]).toMatchObject({
      reason: "not_json",
      deadLetterTopic: "threat.events.dlq",
      origin: { offset: 101 },
    });
    expect(f.rows.map((r) => [r.event.event_id, r.origin.offset, r.bronzeKey])).toEqual([
      ["a", 100, "events/topic=threat.events/dt=2026-11-25/hour=10/threat.events+0+100.jsonl.gz"],
      ["b", 102, "events/topic=threat.events/dt=2026-11-25/hour=10/threat.events+0+100.jsonl.gz"],
    ]);
    expect(
      f.objects.get("events/topic=threat.events/dt=2026-11-25/hour=10/threat.events+0+100.jsonl.gz"),
    ).toHaveLength(2);
  });

  it("keeps each event in bronze as its producer wrote it: 64-bit ids and huge numbers exact, one line", async () => {
    const f = fakes();
    const produced =
      '{\n  "event_id": "big",\r\n  "ts": "2026-11-25T10:00:00Z",\n  "sensor_id": 12345678901234567890, "ratio": 1e400\n}\n';
    await ingestBatch(f.deps, event([produced]), ThreatEventSchema);
    const [line] = [...f.objects.values()][0] as string[];
    expect(line).toMatch(
      /^\{"topic":"threat\.events","partition":0,"offset":100,"timestamp":\d+,"key":null,"value":\{/,
    );
    expect(line).toContain('"sensor_id": 12345678901234567890, "ratio": 1e400 }}');
    expect(line).not.toMatch(/[\r\n]/);
    expect(JSON.parse(line as string).value.event_id).toBe("big");
  });

  it("fails the batch when a sink fails, after bronze was written — a retry rewrites the same keys", async () => {
    const failing = fakes(true);
    const batch = event([valid("a"), valid("b")]);
    await expect(ingestBatch(failing.deps, batch, ThreatEventSchema)).rejects.toThrow("connection refused");
    const retried = fakes();
    await ingestBatch(retried.deps, batch, ThreatEventSchema);
    expect([...retried.objects.keys()]).toEqual([...failing.objects.keys()]);
  });

  it("routes each topic to its own schema and sinks, and refuses a topic it does not know", async () => {
    const f = fakes();
    const routes = { "threat.events": { schema: ThreatEventSchema, deps: f.deps } };
    await expect(ingestByTopic(routes, event([valid("a")]))).resolves.toHaveProperty(
      ["threat.events", "valid"],
      1,
    );
    await expect(ingestByTopic(routes, event([valid("a")], "other.topic"))).rejects.toThrow(
      'no handler for topic "other.topic"',
    );
  });
});
