import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Admin, type Kafka, Partitioners } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka } from "../../layers/adapters/kafka/client";
import { ensureTopics } from "../../layers/adapters/kafka/topics";
import { freePort, ROOT, testEnv, uniqueSuffix, waitFor } from "./support/env";
import { type Offline, startOffline } from "./support/offline";

// The offline Kafka trigger, end to end: real Kafka, `serverless offline start`, the companion plugin,
// serverless-offline's Lambda runner and a probe function that fails its first two invocations.
const RECORDS = 10_000;
const PARTITIONS = 3;
const BATCH_SIZE = 700;
const FAIL_FIRST = 2;

interface Invocation {
  invocation: number;
  failed: boolean;
  event: {
    eventSource: string;
    bootstrapServers: string;
    records: Record<
      string,
      {
        topic: string;
        partition: number;
        offset: number;
        key?: string;
        value?: string;
        headers: Record<string, number[]>[];
      }[]
    >;
  };
}

const suffix = uniqueSuffix();
const topic = `probe.kafka-trigger.${suffix}`;
const groupId = `probe-${suffix}`;
const serviceDir = resolve(ROOT, ".vigil/tmp", `kafka-probe-${suffix}`);
const outFile = join(serviceDir, "invocations.jsonl");

let kafka: Kafka;
let admin: Admin;
let offline: Offline | undefined;

const invocations = (): Invocation[] =>
  existsSync(outFile)
    ? readFileSync(outFile, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Invocation)
    : [];

const committed = async () => {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
};

beforeAll(async () => {
  const env = testEnv();
  kafka = createKafka(env.KAFKA_BROKERS?.split(",") ?? [], `test-${suffix}`);
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(kafka, [{ topic, partitions: PARTITIONS }]);

  // Each partition gets its own sequence, so order can be checked per partition.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = Array.from({ length: RECORDS }, (_, i) => ({
    partition: i % PARTITIONS,
    key: `k${i}`,
    value: JSON.stringify({ seq: Math.floor(i / PARTITIONS), i }),
    headers: { "content-type": "application/json", trace: `t${i}` },
  }));
  for (let start = 0; start < messages.length; start += 2_000) {
    await producer.send({ topic, messages: messages.slice(start, start + 2_000) });
  }
  await producer.disconnect();

  mkdirSync(serviceDir, { recursive: true });
  copyFileSync(
    resolve(ROOT, "tests/integration/fixtures/kafka-probe/handler.mjs"),
    join(serviceDir, "handler.mjs"),
  );
  writeFileSync(
    join(serviceDir, "serverless.yml"),
    `service: kafka-probe
frameworkVersion: "4"
plugins:
  - "@vigil/offline-kafka"
  - serverless-offline
custom:
  serverless-offline: { host: 127.0.0.1, lambdaPort: ${await freePort()}, httpPort: ${await freePort()} }
  # One partition in flight at a time, so "the first invocations fail" means one and the same batch.
  offlineKafka: { backoff: { initialMs: 1500, maxMs: 3000 }, concurrency: 1 }
provider:
  name: aws
  runtime: nodejs24.x
  environment:
    PROBE_OUT: ${outFile}
    PROBE_FAIL_FIRST: "${FAIL_FIRST}"
functions:
  probe:
    handler: handler.handler
    events:
      - kafka:
          topic: ${topic}
          bootstrapServers: [${env.KAFKA_BROKERS}]
          accessConfigurations: { saslScram512Auth: ["arn:aws:secretsmanager:us-east-1:000000000000:secret:local"] }
          batchSize: ${BATCH_SIZE}
          maximumBatchingWindow: 0.2
          startingPosition: TRIM_HORIZON
          consumerGroupId: ${groupId}
`,
  );
  offline = await startOffline(serviceDir, env, /kafka trigger probe ← /);
});

afterAll(async () => {
  await offline?.stop();
  await admin?.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin?.disconnect();
  rmSync(serviceDir, { recursive: true, force: true });
});

describe("offline Kafka trigger", () => {
  it("retries a failing batch with the same records and commits nothing until it succeeds", async () => {
    await waitFor(`${FAIL_FIRST} failed invocations`, () =>
      invocations().filter((i) => i.failed).length >= FAIL_FIRST ? true : undefined,
    );
    // The third attempt is 3 s away (backoff 1.5 s, then 3 s): the group must still have no offset.
    expect(Object.values(await committed()).every((offset) => offset < 0)).toBe(true);

    const all = await waitFor("the first successful invocation", () => {
      const list = invocations();
      return list.some((i) => !i.failed) ? list : undefined;
    });
    const [first, second, third] = all;
    expect(first?.failed && second?.failed).toBe(true);
    expect(third?.failed).toBe(false);
    // The retried batch is exactly the batch that failed.
    expect(third?.event.records).toEqual(first?.event.records);
    expect(second?.event.records).toEqual(first?.event.records);
  });

  it("delivers every record once successfully, in partition order, in batches of at most batchSize", async () => {
    const delivered = (list: Invocation[]) =>
      list.filter((i) => !i.failed).reduce((n, i) => n + Object.values(i.event.records).flat().length, 0);
    const all = await waitFor(
      `${RECORDS} records delivered`,
      () => {
        const list = invocations();
        return delivered(list) >= RECORDS ? list : undefined;
      },
      120_000,
    );
    expect(delivered(all)).toBe(RECORDS);

    const lastOffset = new Map<number, number>();
    const lastSeq = new Map<number, number>();
    const seen = new Set<number>();
    for (const { failed, event } of all) {
      expect(event.eventSource).toBe("SelfManagedKafka");
      const records = Object.entries(event.records);
      expect(records.flatMap(([, list]) => list).length).toBeLessThanOrEqual(BATCH_SIZE);
      if (failed) continue;
      for (const [key, list] of records) {
        for (const record of list) {
          expect(key).toBe(`${topic}-${record.partition}`);
          const value = JSON.parse(Buffer.from(record.value ?? "", "base64").toString()) as {
            seq: number;
            i: number;
          };
          expect(Buffer.from(record.key ?? "", "base64").toString()).toBe(`k${value.i}`);
          expect(record.headers[0]).toEqual({ "content-type": [...Buffer.from("application/json")] });
          expect(record.offset).toBeGreaterThan(lastOffset.get(record.partition) ?? -1);
          expect(value.seq).toBe((lastSeq.get(record.partition) ?? -1) + 1);
          lastOffset.set(record.partition, record.offset);
          lastSeq.set(record.partition, value.seq);
          seen.add(value.i);
        }
      }
    }
    expect(seen.size).toBe(RECORDS);
  });

  it("has committed, per partition, exactly the offset after the last delivered record", async () => {
    const expected = Object.fromEntries(
      (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
    );
    const offsets = await waitFor("the last commit", async () => {
      const now = await committed();
      return JSON.stringify(now) === JSON.stringify(expected) ? now : undefined;
    });
    expect(offsets).toEqual(expected);
  });
});
