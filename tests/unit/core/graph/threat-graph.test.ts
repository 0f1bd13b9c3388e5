import { describe, expect, it } from "vitest";
import { graphBatch } from "../../../../layers/core/graph/graph-batch";
import { type GraphEvent, lockOrder, toGraphEvent } from "../../../../layers/core/graph/threat-graph";

const origin = { topic: "threat.events", partition: 0, offset: 5, timestamp: 0, key: null };

describe("the threat graph", () => {
  it("keeps the event's fields on the node, ts in UTC", () => {
    const g = toGraphEvent(
      { event_id: "e", ts: "2026-11-25T12:00:00+02:00", actor: "FIN7", ip: "192.0.2.1", score: 0.5 },
      origin,
    );
    expect(g).toEqual({
      event_id: "e",
      actor: "FIN7",
      ip: "192.0.2.1",
      cves: [],
      props: {
        event_id: "e",
        ts: "2026-11-25T10:00:00.000000Z",
        kafka_partition: 0,
        kafka_offset: 5,
        score: 0.5,
      },
    });
  });

  it("writes ts in UTC to the microsecond, so string order is the order Postgres compares versions in", () => {
    const ts = (value: string) => toGraphEvent({ event_id: "e", ts: value }, origin).props.ts;
    expect([
      ts("2026-11-25T10:00:00.0009Z"),
      ts("2026-11-25T10:00:00.0001Z"),
      ts("1969-12-31T23:59:59.999999Z"),
      ts("0001-01-01T00:00:00.5+00:00"),
      ts("2026-11-25T12:05+02:00"),
    ]).toEqual([
      "2026-11-25T10:00:00.000900Z",
      "2026-11-25T10:00:00.000100Z",
      "1969-12-31T23:59:59.999999Z",
      "0001-01-01T00:00:00.500000Z",
      "2026-11-25T10:05:00.000000Z",
    ]);
  });

  it("writes the IP in one spelling, whatever the producer wrote", () => {
    const ip = (value: string) =>
      toGraphEvent({ event_id: "e", ts: "2026-11-25T12:00:00Z", ip: value }, origin).ip;
    expect([ip("2001:DB8:0::7"), ip("::ffff:c612:1"), ip("192.0.2.1")]).toEqual([
      "2001:db8::7",
      "::ffff:198.18.0.1",
      "192.0.2.1",
    ]);
  });

  it("names the CVEs of the event's message and extra fields, as the IP pivot reads them", () => {
    const g = toGraphEvent(
      {
        event_id: "exploit-CVE-2020-0001",
        ts: "2026-11-25T12:00:00Z",
        actor: "CVE-2020-0002 crew",
        msg: "exploits cve-2021-44228, then CVE-2021-44228 again",
        cve: "CVE-2023-4966",
        context: { refs: ["CVE-2017-17215"] },
      },
      origin,
    );
    // The id and the actor are names, not evidence: the pivot does not search them either.
    expect(g.cves).toEqual(["CVE-2017-17215", "CVE-2021-44228", "CVE-2023-4966"]);
  });

  it("locks actors, IPs, CVEs and events in one sorted order, each once", () => {
    const e = (id: string, actor: string | null, ip: string | null, cves: string[] = []): GraphEvent => ({
      event_id: id,
      actor,
      ip,
      cves,
      props: {},
    });
    const order = lockOrder([
      e("b", "Z", "10.0.0.2", ["CVE-2021-44228"]),
      e("a", "A", "10.0.0.2", ["CVE-2021-44228", "CVE-2017-17215"]),
      e("c", null, null),
    ]);
    expect(order.actors).toEqual(["A", "Z"]);
    expect(order.ips).toEqual(["10.0.0.2"]);
    expect(order.cves).toEqual(["CVE-2017-17215", "CVE-2021-44228"]);
    expect(order.events.map((x) => x.event_id)).toEqual(["a", "b", "c"]);
  });

  it("merges only valid events, the newest version of each", async () => {
    const merged: GraphEvent[][] = [];
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const rec = (offset: number, value: string) => ({
      topic: "threat.events",
      partition: 0,
      offset,
      timestamp: 0,
      value: b64(value),
    });
    const summary = await graphBatch(
      { mergeEvents: async (events) => void merged.push([...events]) },
      {
        eventSource: "SelfManagedKafka",
        records: {
          "threat.events-0": [
            rec(1, JSON.stringify({ event_id: "e", ts: "2026-11-25T10:00:00Z", score: 0.1 })),
            rec(2, "{broken"),
            rec(3, JSON.stringify({ event_id: "e", ts: "2026-11-25T11:00:00Z", score: 0.9 })),
            // Within one millisecond, the later microsecond wins, as in Postgres, not the later offset.
            rec(4, JSON.stringify({ event_id: "f", ts: "2026-11-25T11:00:00.0009Z", score: 0.9 })),
            rec(5, JSON.stringify({ event_id: "f", ts: "2026-11-25T11:00:00.0001Z", score: 0.1 })),
            // A time without seconds is valid (ISO 8601 allows it, and so does the schema).
            rec(6, JSON.stringify({ event_id: "g", ts: "2026-11-25T11:00Z", score: 0.5 })),
          ],
        },
      },
    );
    expect(summary).toEqual({ merged: 3, skipped: 1 });
    expect(merged[0]?.map((e) => [e.event_id, e.props.score])).toEqual([
      ["e", 0.9],
      ["f", 0.9],
      ["g", 0.5],
    ]);
  });
});
