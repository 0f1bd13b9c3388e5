import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { type Admin, type KafkaMessage, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphInvestigations } from "../../layers/adapters/neo4j/investigations";
import { investigations } from "../../layers/adapters/postgres/investigations";
import { ensureBucket } from "../../layers/adapters/s3/bucket";
import { generateEvents, prng } from "../../layers/core/demo/generator";
import type { ThreatEvent } from "../../layers/core/events/threat-event";
import { buildClients, closeClients } from "../../layers/runtime/clients";
import { readSettings } from "../../layers/runtime/config";
import { listKeys, readJsonLines, removeBucket } from "./support/bronze";
import { eventNodes, eventRows } from "./support/counts";
import { freePort, ROOT, testEnv, uniqueSuffix, waitFor } from "./support/env";
import { type Offline, startOffline } from "./support/offline";

// The streaming ingest end to end through the emulated trigger (serverless offline + @vigil/offline-kafka):
// 50,000 records over 3 partitions of threat.events — 2% repeated event_ids, 1% poison — with one batch
// forced to fail after its bronze write. Afterwards every sink must hold exactly what it should.
const TOPIC = "threat.events";
const DLQ = `${TOPIC}.dlq`;
const PARTITIONS = 3;
const UNIQUE = 48_500;
const REPEATS = 1_000; // 2% of 50,000
// 1% of 50,000; `unstorable` are valid JSON that Postgres would refuse, failing their batch on every retry.
const POISON = { notJson: 200, missingId: 150, scoreHigh: 117, unstorable: 30, tooLarge: 3 };

const suffix = uniqueSuffix();
const prefix = `it-${suffix}`;
// Its own bronze bucket: the bronze checks and the replay read what this test wrote, not every event that
// earlier runs (or `make bench`) left in the stack's bucket today.
const env = { ...testEnv(), BRONZE_BUCKET: `vigil-bronze-it-${suffix}` };
const settings = readSettings(env);
const c = buildClients(settings);
const run = promisify(execFile);

interface Produced {
  partition: number;
  offset: number;
  eventId?: string;
  event?: ThreatEvent;
  poison?: "not_json" | "schema" | "too_large";
}

let admin: Admin;
let offline: Offline | undefined;
const produced: Produced[] = [];
const startOffsets = new Map<number, number>();
let dlqStart: Map<number, number>;

const highWatermarks = async (topic: string) =>
  new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));

function buildPayloads(): {
  value: string;
  eventId?: string;
  event?: ThreatEvent;
  poison?: Produced["poison"];
}[] {
  const random = prng(7);
  const base = generateEvents(UNIQUE, { idPrefix: prefix, seed: 11 });
  const items: ReturnType<typeof buildPayloads> = base.map((e) => ({
    value: JSON.stringify(e),
    eventId: e.event_id,
    event: e,
  }));
  for (let i = 0; i < REPEATS; i += 1) {
    const original = base[Math.floor(random() * UNIQUE)] as ThreatEvent;
    // Half are plain re-sends, half a later version of the event (an analyst re-scored it).
    const event =
      i % 2 === 0
        ? original
        : { ...original, ts: new Date(Date.parse(original.ts) + 3_600_000).toISOString(), score: 0.99 };
    items.push({ value: JSON.stringify(event), eventId: event.event_id, event });
  }
  for (let i = 0; i < POISON.notJson; i += 1)
    items.push({ value: `{"event_id": "${prefix}-bad-${i}", "ts": `, poison: "not_json" });
  for (let i = 0; i < POISON.missingId; i += 1) {
    items.push({ value: JSON.stringify({ ts: "2026-11-01T00:00:00Z", actor: "FIN7" }), poison: "schema" });
  }
  for (let i = 0; i < POISON.scoreHigh; i += 1) {
    items.push({
      value: JSON.stringify({ event_id: `${prefix}-high-${i}`, ts: "2026-11-01T00:00:00Z", score: "high" }),
      poison: "schema",
    });
  }
  for (let i = 0; i < POISON.unstorable; i += 1) {
    const event = { event_id: `${prefix}-unstorable-${i}`, ts: "2026-11-01T00:00:00Z" };
    const variants = [
      { ...event, msg: "a\u0000b" }, // text refuses NUL
      { ...event, sensor: { name: "\ud800" } }, // jsonb (extra) refuses half a surrogate pair
      { ...event, ts: "2026-11-01T00:00:00+99:00" }, // timestamptz refuses the offset
    ];
    items.push({ value: JSON.stringify(variants[i % variants.length]), poison: "schema" });
  }
  for (let i = 0; i < POISON.tooLarge; i += 1) {
    const msg = "x".repeat(2 * 1024 * 1024);
    items.push({
      value: JSON.stringify({ event_id: `${prefix}-big-${i}`, ts: "2026-11-01T00:00:00Z", msg }),
      poison: "too_large",
    });
  }
  // A deterministic shuffle: repeats and poison land anywhere, in every partition.
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
  }
  return items;
}

beforeAll(async () => {
  admin = c.kafka.admin();
  await admin.connect();
  for (const [p, o] of await highWatermarks(TOPIC)) startOffsets.set(p, o);
  dlqStart = await highWatermarks(DLQ);
  await ensureBucket(c.s3, settings.BRONZE_BUCKET);

  offline = await startOffline(
    ROOT,
    { ...env, OFFLINE_HTTP_PORT: String(await freePort()), OFFLINE_LAMBDA_PORT: String(await freePort()) },
    /kafka trigger graph-events ← threat\.events/,
  );

  // One send per partition chunk: offsets are then baseOffset + index, so every record's coordinates are known.
  const producer = c.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const items = buildPayloads();
  for (let p = 0; p < PARTITIONS; p += 1) {
    const mine = items.filter((_, i) => i % PARTITIONS === p);
    for (let start = 0; start < mine.length; start += 2_000) {
      const chunk = mine.slice(start, start + 2_000);
      const [meta] = await producer.send({
        topic: TOPIC,
        acks: -1,
        messages: chunk.map((m) => ({ partition: p, key: m.eventId ?? null, value: m.value })),
      });
      const base = Number(meta?.baseOffset);
      chunk.forEach((m, i) => {
        produced.push({
          partition: p,
          offset: base + i,
          eventId: m.eventId,
          event: m.event,
          poison: m.poison,
        });
      });
    }
  }
  await producer.disconnect();
}, 300_000);

afterAll(async () => {
  await offline?.stop();
  await admin?.disconnect();
  await removeBucket(c.s3, settings.BRONZE_BUCKET);
  await closeClients(c);
});

const ourRows = () => eventRows(c.pool, prefix);

describe("ingest-events and graph-events", () => {
  it("survives a batch that fails after its bronze write (Postgres refuses it), and retries it", async () => {
    await waitFor(
      "the first 5,000 rows",
      async () => ((await ourRows()) >= 5_000 ? true : undefined),
      120_000,
    );
    // Take the table away for a few seconds: the batch in flight has written bronze and now fails.
    await c.pool.query("ALTER TABLE raw.threat_events RENAME TO threat_events_away");
    try {
      await waitFor("a failed ingest invocation", () =>
        /ingest-events ← threat\.events: invocation \d+ failed/.test(offline?.output() ?? "")
          ? true
          : undefined,
      );
    } finally {
      await c.pool.query("ALTER TABLE raw.threat_events_away RENAME TO threat_events");
    }
  });

  it("holds in Postgres exactly the unique valid events, each the newest version, with its Kafka origin", async () => {
    await waitFor(`${UNIQUE} rows`, async () => ((await ourRows()) >= UNIQUE ? true : undefined), 240_000);
    // Let any retried batch settle, then count again: never more than the unique events.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await ourRows()).toBe(UNIQUE);

    const expected = new Map<string, Produced>();
    for (const p of produced) {
      if (!p.eventId || !p.event) continue;
      const current = expected.get(p.eventId);
      const newer =
        !current ||
        Date.parse(p.event.ts) > Date.parse(current.event?.ts ?? "") ||
        (Date.parse(p.event.ts) === Date.parse(current.event?.ts ?? "") && p.offset > current.offset);
      if (newer) expected.set(p.eventId, p);
    }
    const { rows } = await c.pool.query<{
      event_id: string;
      ts: Date;
      score: number;
      kafka_topic: string;
      kafka_partition: number;
      kafka_offset: string;
      bronze_key: string;
    }>(
      `SELECT event_id, ts, score, kafka_topic, kafka_partition, kafka_offset, bronze_key
         FROM raw.threat_events WHERE event_id LIKE $1`,
      [`${prefix}-%`],
    );
    const mismatches = rows.filter((r) => {
      const want = expected.get(r.event_id);
      return (
        !want ||
        r.kafka_topic !== TOPIC ||
        r.kafka_partition !== want.partition ||
        Number(r.kafka_offset) !== want.offset ||
        r.ts.toISOString() !== new Date(want.event?.ts ?? 0).toISOString() ||
        r.score !== want.event?.score ||
        !r.bronze_key.startsWith(`events/topic=${TOPIC}/dt=`)
      );
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(rows).toHaveLength(expected.size);
  });

  it("sends exactly the poison records to the DLQ, with their reasons, and to quarantine", async () => {
    const SCHEMA_DETAILS = [
      "event_id: Required (got missing)",
      'score: Expected number, received string (got "high")',
      'msg: a NUL character, which Postgres cannot store (got "a\\u0000b")',
      'sensor.name: half of a UTF-16 surrogate pair, which Postgres cannot store (got "\\ud800")',
      'ts: an ISO 8601 time with a zone (offset up to ±15:59, year from 0001) (got "2026-11-01T00:00:00+99:00")',
    ];
    const poison = produced.filter((p) => p.poison);
    const consumer = c.kafka.consumer({ groupId: `it-dlq-${suffix}` });
    const seen = new Map<string, KafkaMessage>();
    await consumer.connect();
    await consumer.subscribe({ topic: DLQ, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) < (dlqStart.get(partition) ?? 0)) return;
        seen.set(String(message.key), message);
      },
    });
    try {
      await waitFor(
        `${poison.length} dead letters`,
        () => (seen.size >= poison.length ? true : undefined),
        120_000,
      );
    } finally {
      await consumer.disconnect();
    }
    expect(seen.size).toBe(poison.length);
    for (const p of poison) {
      const headers = seen.get(`${TOPIC}+${p.partition}+${p.offset}`)?.headers ?? {};
      expect(headers["vigil.dlq.reason"]?.toString()).toBe(p.poison);
      expect(Number(headers["vigil.dlq.offset"]?.toString())).toBe(p.offset);
      if (p.poison === "schema") expect(SCHEMA_DETAILS).toContain(headers["vigil.dlq.detail"]?.toString());
    }

    const quarantined: { partition: number; offset: number; reason: string }[] = [];
    for (const key of await listKeys(c.s3, settings.BRONZE_BUCKET, `quarantine/topic=${TOPIC}/`)) {
      for (const line of await readJsonLines<{ partition: number; offset: number; reason: string }>(
        c.s3,
        settings.BRONZE_BUCKET,
        key,
      )) {
        if (line.offset >= (startOffsets.get(line.partition) ?? 0)) quarantined.push(line);
      }
    }
    const coords = new Set(quarantined.map((q) => `${q.partition}:${q.offset}`));
    expect(coords.size).toBe(poison.length);
    expect(quarantined).toHaveLength(poison.length);
  });

  it("keeps in bronze exactly the valid records, none twice, under deterministic keys", async () => {
    const lines: { partition: number; offset: number; key: string; objectKey: string }[] = [];
    for (const key of await listKeys(c.s3, settings.BRONZE_BUCKET, `events/topic=${TOPIC}/`)) {
      expect(key).toMatch(
        new RegExp(
          `^events/topic=${TOPIC.replace(".", "\\.")}/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/${TOPIC.replace(".", "\\.")}\\+\\d\\+\\d+\\.jsonl\\.gz$`,
        ),
      );
      for (const line of await readJsonLines<{ partition: number; offset: number; key: string }>(
        c.s3,
        settings.BRONZE_BUCKET,
        key,
      )) {
        if (line.offset >= (startOffsets.get(line.partition) ?? 0)) lines.push({ ...line, objectKey: key });
      }
    }
    const valid = produced.filter((p) => !p.poison);
    const coords = lines.map((l) => `${l.partition}:${l.offset}`);
    expect(new Set(coords).size).toBe(coords.length);
    expect(coords.length).toBe(valid.length);
    expect(new Set(coords)).toEqual(new Set(valid.map((v) => `${v.partition}:${v.offset}`)));
  });

  it("merges into Neo4j exactly one node per unique event, with its actor and IP relationships", async () => {
    const count = () => eventNodes(c.neo4j, prefix);
    await waitFor(
      `${UNIQUE} ThreatEvent nodes`,
      async () => ((await count()) >= UNIQUE ? true : undefined),
      240_000,
    );
    expect(await count()).toBe(UNIQUE);
    const { records } = await c.neo4j.executeQuery(
      `MATCH (t:ThreatEvent) WHERE t.event_id STARTS WITH $prefix
       RETURN count { (:Actor)-[:GENERATED]->(t) } AS generated, count { (t)-[:TARGETED]->(:IPAddress) } AS targeted`,
      { prefix: `${prefix}-` },
    );
    const totals = records.reduce(
      (acc, r) => ({
        generated: acc.generated + Number(r.get("generated")),
        targeted: acc.targeted + Number(r.get("targeted")),
      }),
      { generated: 0, targeted: 0 },
    );
    expect(totals).toEqual({ generated: UNIQUE, targeted: UNIQUE });
    // The re-scored versions won in the graph too.
    const rescored = produced.find((p) => p.event?.score === 0.99 && p.eventId);
    const { records: node } = await c.neo4j.executeQuery(
      "MATCH (t:ThreatEvent {event_id: $id}) RETURN t.score AS score",
      {
        id: rescored?.eventId,
      },
    );
    expect(node[0]?.get("score")).toBe(0.99);
  });

  it("answers the investigation queries: latest events, an actor's events, IPs hit by high scores", async () => {
    const pg = investigations(c.pool);
    const graph = graphInvestigations(c.neo4j);
    const latest = await pg.latestEvents(50);
    expect(latest).toHaveLength(50);
    const times = latest.map((e) => Date.parse(e.ts));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    // APT28's events of this test, in Postgres and in the graph.
    const want = new Map<string, ThreatEvent>();
    for (const p of produced) {
      if (p.event?.actor === "APT28" && p.eventId && !(want.get(p.eventId)?.score === 0.99))
        want.set(p.eventId, p.event);
    }
    const ofActor = (await pg.eventsOfActor("APT28", 1_000_000)).filter((e) =>
      e.event_id.startsWith(`${prefix}-`),
    );
    expect(new Set(ofActor.map((e) => e.event_id))).toEqual(new Set(want.keys()));
    expect(ofActor.every((e) => e.actor === "APT28")).toBe(true);
    const graphIds = (await graph.eventsOfActor("APT28", 1_000_000)).filter((id) =>
      id.startsWith(`${prefix}-`),
    );
    expect(new Set(graphIds)).toEqual(new Set(want.keys()));

    // The most targeted IPs among events scoring above 0.8, from Postgres and from the graph: ordered by
    // hits, and this test's own high-score events account for at least their share of each count.
    const fromPg = await pg.topTargetedIps(0.8, 10);
    const fromGraph = await graph.topTargetedIps(0.8, 10);
    expect(fromPg.length).toBe(10);
    const ours = new Map<string, number>();
    for (const [, p] of new Map(produced.filter((x) => x.event).map((x) => [x.eventId, x]))) {
      if ((p.event?.score ?? 0) > 0.8 && p.event?.ip) ours.set(p.event.ip, (ours.get(p.event.ip) ?? 0) + 1);
    }
    for (const top of [fromPg, fromGraph]) {
      expect(top.map((r) => r.hits)).toEqual([...top.map((r) => r.hits)].sort((a, b) => b - a));
      for (const { ip, hits } of top) expect(hits).toBeGreaterThanOrEqual(ours.get(ip) ?? 0);
    }
    // This test's hottest target is among the top ten of both stores.
    const hottest = [...ours].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(fromPg.map((r) => r.ip)).toContain(hottest);
    expect(fromGraph.map((r) => r.ip)).toContain(hottest);
  });

  it("rebuilds Postgres and Neo4j from bronze alone with `make replay`, idempotently", async () => {
    await c.pool.query("DELETE FROM raw.threat_events WHERE event_id LIKE $1", [`${prefix}-%`]);
    // In chunks: one transaction deleting 48,500 nodes would exceed Neo4j's per-transaction memory cap.
    const session = c.neo4j.session();
    try {
      await session.run(
        "MATCH (t:ThreatEvent) WHERE t.event_id STARTS WITH $p CALL (t) { DETACH DELETE t } IN TRANSACTIONS OF 5000 ROWS",
        { p: `${prefix}-` },
      );
    } finally {
      await session.close();
    }
    expect(await ourRows()).toBe(0);
    const today = new Date().toISOString().slice(0, 10);
    const replay = () =>
      run(
        process.execPath,
        ["--import", "tsx", "layers/runtime/cli/replay.ts", "--from", today, "--to", today],
        {
          cwd: ROOT,
          env: { ...process.env, ...env },
          timeout: 600_000,
        },
      );
    const first = await replay();
    expect(first.stdout).toMatch(/replay: done — \d+ objects, \d+ records/);
    expect(await ourRows()).toBe(UNIQUE);
    await replay();
    expect(await ourRows()).toBe(UNIQUE);
    const { records } = await c.neo4j.executeQuery(
      "MATCH (a:Actor)-[:GENERATED]->(t:ThreatEvent)-[:TARGETED]->(:IPAddress) WHERE t.event_id STARTS WITH $p RETURN count(t) AS n",
      { p: `${prefix}-` },
    );
    expect(Number(records[0]?.get("n"))).toBe(UNIQUE);
  });
});
