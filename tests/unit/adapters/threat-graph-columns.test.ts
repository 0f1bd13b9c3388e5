import { describe, expect, it } from "vitest";
import { eventColumns } from "../../../layers/adapters/neo4j/threat-graph";
import { toGraphEvent } from "../../../layers/core/graph/threat-graph";

const origin = { topic: "threat.events", partition: 0, offset: 5, timestamp: 0, key: null };

describe("the threat graph's write parameters", () => {
  it("sends a batch as one list per property, row n at index n, a missing field as null", () => {
    const columns = eventColumns([
      toGraphEvent(
        { event_id: "a", ts: "2026-11-25T10:00:00Z", actor: "FIN7", msg: "m CVE-2021-44228" },
        origin,
      ),
      toGraphEvent({ event_id: "b", ts: "2026-11-25T11:00:00Z", ip: "192.0.2.1", score: 0.9 }, origin),
    ]);
    expect(columns).toEqual({
      actor: ["FIN7", null],
      ip: [null, "192.0.2.1"],
      cves: [["CVE-2021-44228"], []],
      event_id: ["a", "b"],
      ts: ["2026-11-25T10:00:00.000000Z", "2026-11-25T11:00:00.000000Z"],
      kafka_partition: [0, 0],
      kafka_offset: [5, 5],
      type: [null, null],
      msg: ["m CVE-2021-44228", null],
      tactic: [null, null],
      country: [null, null],
      channel: [null, null],
      score: [null, 0.9],
    });
  });
});
