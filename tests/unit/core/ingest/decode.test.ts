import { describe, expect, it } from "vitest";
import { ThreatEventSchema } from "../../../../layers/core/events/threat-event";
import { UrlhausEventSchema } from "../../../../layers/core/events/urlhaus-event";
import { decodeRecord } from "../../../../layers/core/ingest/decode";
import type { LambdaKafkaRecord } from "../../../../layers/core/ingest/kafka-records";

const record = (value: string | undefined, key?: string): LambdaKafkaRecord => ({
  topic: "threat.events",
  partition: 1,
  offset: 42,
  timestamp: Date.UTC(2026, 10, 25, 10),
  ...(value === undefined ? {} : { value: Buffer.from(value).toString("base64") }),
  ...(key ? { key: Buffer.from(key).toString("base64") } : {}),
});

describe("decoding a threat event record", () => {
  it("accepts a valid event and keeps its origin and unknown fields", () => {
    const d = decodeRecord(
      record(
        JSON.stringify({
          event_id: "e1",
          ts: "2026-11-25T10:00:00+02:00",
          score: 0.9,
          ip: "2001:db8::1",
          vendor_field: 7,
        }),
        "e1",
      ),
      ThreatEventSchema,
    );
    expect(d.kind).toBe("valid");
    if (d.kind !== "valid") return;
    expect(d.origin).toEqual({
      topic: "threat.events",
      partition: 1,
      offset: 42,
      timestamp: Date.UTC(2026, 10, 25, 10),
      key: "e1",
    });
    expect(d.event).toMatchObject({ event_id: "e1", score: 0.9, vendor_field: 7 });
  });

  it.each([
    [undefined, "empty", "the record has no value"],
    ['{"event_id": "x", "ts": ', "not_json", "not JSON: "],
    [JSON.stringify({ ts: "2026-11-25T10:00:00Z" }), "schema", "event_id: Required (got missing)"],
    [
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", score: "high" }),
      "schema",
      'score: Expected number, received string (got "high")',
    ],
    [
      JSON.stringify({ event_id: "x", ts: "yesterday" }),
      "schema",
      'ts: an ISO 8601 time with a zone (offset up to ±15:59, year from 0001) (got "yesterday")',
    ],
    // Forms ISO 8601 allows and Postgres refuses: the batch's write would fail on every retry.
    [
      JSON.stringify({ event_id: "x", ts: "0000-01-01T00:00:00Z" }),
      "schema",
      'ts: an ISO 8601 time with a zone (offset up to ±15:59, year from 0001) (got "0000-01-01T00:00:00Z")',
    ],
    [
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00+99:00" }),
      "schema",
      'ts: an ISO 8601 time with a zone (offset up to ±15:59, year from 0001) (got "2026-11-25T10:00:00+99:00")',
    ],
    [
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", msg: "a\u0000b" }),
      "schema",
      'msg: a NUL character, which Postgres cannot store (got "a\\u0000b")',
    ],
    [
      // An extra field, nested: kept in jsonb, which refuses half a surrogate pair.
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", sensor: { names: ["ok", "\ud800"] } }),
      "schema",
      'sensor.names.1: half of a UTF-16 surrogate pair, which Postgres cannot store (got "\\ud800")',
    ],
    [
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", "a\u0000b": 1 }),
      "schema",
      '"a\\u0000b": a field name with a NUL character, which Postgres cannot store',
    ],
    [
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", ip: "999.1.1.1" }),
      "schema",
      'ip: an IPv4 or IPv6 address (got "999.1.1.1")',
    ],
    [
      // A zone: node's isIP takes it, Postgres's inet refuses it (the batch's write would fail every retry).
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", ip: "fe80::1%eth0" }),
      "schema",
      'ip: an IPv4 or IPv6 address (got "fe80::1%eth0")',
    ],
    [
      JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", score: 1.5 }),
      "schema",
      "score: Number must be less than or equal to 1 (got 1.5)",
    ],
  ])("turns %j into poison (%s) naming the field and the value", (value, reason, detail) => {
    const d = decodeRecord(record(value), ThreatEventSchema);
    expect(d.kind).toBe("poison");
    if (d.kind !== "poison") return;
    expect(d.reason).toBe(reason);
    expect(d.detail.startsWith(detail)).toBe(true);
  });

  it("takes text that only looks like an escape Postgres refuses: a backslash, then u0000", () => {
    const msg = "C:\\u0000\\ud800"; // the characters \u0000\ud800, not a NUL and half a surrogate pair
    const d = decodeRecord(
      record(JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", msg })),
      ThreatEventSchema,
    );
    expect(d).toMatchObject({ kind: "valid", event: { msg } });
  });

  it("refuses a payload over the size limit before parsing it, keeping the original bytes", () => {
    const big = JSON.stringify({ event_id: "x", ts: "2026-11-25T10:00:00Z", msg: "x".repeat(2000) });
    const d = decodeRecord(record(big), ThreatEventSchema, 1024);
    expect(d).toMatchObject({
      kind: "poison",
      reason: "too_large",
      value: Buffer.from(big).toString("base64"),
    });
  });
});

describe("decoding a URLhaus change record", () => {
  const change = {
    event_id: "urlhaus-1-added",
    ts: "2026-11-25T10:00:00Z",
    change: "added",
    url: "http://198.51.100.7/x",
    host: "198.51.100.7",
    url_status: "online",
  };

  it("takes a URLhaus id Postgres's bigint holds, and dead-letters one past it", () => {
    expect(
      decodeRecord(
        record(JSON.stringify({ ...change, urlhaus_id: "9223372036854775807" })),
        UrlhausEventSchema,
      ),
    ).toMatchObject({ kind: "valid" });
    expect(
      decodeRecord(
        record(JSON.stringify({ ...change, urlhaus_id: "9223372036854775808" })),
        UrlhausEventSchema,
      ),
    ).toMatchObject({
      kind: "poison",
      reason: "schema",
      detail: 'urlhaus_id: the numeric URLhaus id (up to 9223372036854775807) (got "9223372036854775808")',
    });
  });
});
