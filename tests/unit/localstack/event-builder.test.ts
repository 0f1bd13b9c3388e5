import { describe, expect, it } from "vitest";
import {
  buildKafkaEvent,
  encodeHeaders,
  sampleEvent,
  signedBytes,
  splitBatch,
  toLambdaRecord,
} from "../../../localstack/offline-kafka/event-builder.js";

const message = (offset: number, value: string | null, extra: object = {}) => ({
  offset: String(offset),
  timestamp: "1732500000000",
  key: null,
  value: value === null ? null : Buffer.from(value),
  headers: {},
  ...extra,
});

describe("the Lambda Kafka event", () => {
  it("groups records under topic-partition and encodes key and value in base64", () => {
    const event = buildKafkaEvent({
      bootstrapServers: ["127.0.0.1:9092", "127.0.0.1:9093"],
      batches: [
        {
          topic: "threat.events",
          partition: 2,
          messages: [message(15, '{"event_id":"e1"}', { key: Buffer.from("e1") })],
        },
      ],
    });
    expect(event).toEqual({
      eventSource: "SelfManagedKafka",
      bootstrapServers: "127.0.0.1:9092,127.0.0.1:9093",
      records: {
        "threat.events-2": [
          {
            topic: "threat.events",
            partition: 2,
            offset: 15,
            timestamp: 1732500000000,
            timestampType: "CREATE_TIME",
            key: Buffer.from("e1").toString("base64"),
            value: Buffer.from('{"event_id":"e1"}').toString("base64"),
            headers: [],
          },
        ],
      },
    });
  });

  it("is an aws:kafka event with the cluster ARN for MSK", () => {
    const arn = "arn:aws:kafka:us-east-1:123456789012:cluster/vigil/abc";
    const event = buildKafkaEvent({ bootstrapServers: ["b:9092"], eventSourceArn: arn, batches: [] });
    expect(event).toMatchObject({ eventSource: "aws:kafka", eventSourceArn: arn, records: {} });
  });

  it("leaves out a null key and a null value (tombstone), as Lambda does", () => {
    const record = toLambdaRecord("t", 0, message(1, null));
    expect(record).not.toHaveProperty("key");
    expect(record).not.toHaveProperty("value");
  });

  it("sends header values as Java's signed bytes, one object per occurrence", () => {
    expect(signedBytes(Buffer.from("ë"))).toEqual([-61, -85]);
    expect(encodeHeaders({ trace: "ab", tag: [Buffer.from("x"), "y"], empty: undefined })).toEqual([
      { trace: [97, 98] },
      { tag: [120] },
      { tag: [121] },
      { empty: [] },
    ]);
  });
});

describe("batch cutting", () => {
  const many = (n: number, size = 10) => Array.from({ length: n }, (_, i) => message(i, "x".repeat(size)));

  it("never exceeds batchSize and keeps offset order", () => {
    const batches = splitBatch(many(2501), 1000);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 501]);
    expect(batches.flat().map((m) => Number(m.offset))).toEqual([...Array(2501).keys()]);
  });

  it("cuts before the 6 MB payload limit, and a single oversized record travels alone", () => {
    const big = 2 * 1024 * 1024;
    const batches = splitBatch(many(5, big), 100);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(splitBatch(many(2, 7 * 1024 * 1024), 100).map((b) => b.length)).toEqual([1, 1]);
  });

  it("returns nothing for nothing", () => {
    expect(splitBatch([], 10)).toEqual([]);
  });
});

describe("sample events for invoke local", () => {
  it("numbers offsets, keys by a field, and keeps a non-JSON payload as it is", () => {
    const event = sampleEvent({
      topic: "threat.events",
      payloads: [{ event_id: "a", ts: "2026-01-01T00:00:00Z" }, "not json"],
      partition: 1,
      firstOffset: 40,
      keyField: "event_id",
      timestamp: 1_000,
    });
    const records = event.records["threat.events-1"] ?? [];
    expect(records.map((r) => [r.offset, r.timestamp, r.key])).toEqual([
      [40, 1000, Buffer.from("a").toString("base64")],
      [41, 1001, undefined],
    ]);
    expect(Buffer.from(records[1]?.value ?? "", "base64").toString()).toBe("not json");
  });
});
