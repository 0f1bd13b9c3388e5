import { afterAll, describe, expect, it } from "vitest";
import { neo4jThreatGraph } from "../../layers/adapters/neo4j/threat-graph";
import type { ThreatEvent } from "../../layers/core/events/threat-event";
import { toGraphEvent } from "../../layers/core/graph/threat-graph";
import { closeContainer } from "../../layers/runtime/container";
import { neo4jDriver } from "../../layers/runtime/neo4j";
import { uniqueSuffix } from "./support/env";

/**
 * The threat graph holds each event as its newest version holds it, whatever order the versions arrive in
 * (Kafka redelivers, replays re-send old ones): the node's properties and its actor and IP edges alike.
 */
const suffix = uniqueSuffix();
const id = `graph-versions-${suffix}`;
const actor = (name: string) => `${name}-${suffix}`;
const ip = (n: number) => `198.18.${(parseInt(suffix.slice(0, 2), 16) % 200) + 1}.${n}`;

let offset = 0;
const merge = (event: { ts: string; actor?: string; ip?: string; score: number }) => {
  offset += 1;
  const version: ThreatEvent = { event_id: id, ...event };
  return neo4jThreatGraph(neo4jDriver()).mergeEvents([
    toGraphEvent(version, { topic: "threat.events", partition: 0, offset, timestamp: Date.now(), key: null }),
  ]);
};

async function edges() {
  const { records } = await neo4jDriver().executeQuery(
    `MATCH (t:ThreatEvent {event_id: $id})
     RETURN t.score AS score,
            COLLECT { MATCH (a:Actor)-[:GENERATED]->(t) RETURN a.name ORDER BY a.name } AS actors,
            COLLECT { MATCH (t)-[:TARGETED]->(i:IPAddress) RETURN i.value ORDER BY i.value } AS ips`,
    { id },
  );
  return records[0]?.toObject();
}

afterAll(async () => {
  await neo4jDriver().executeQuery(
    "MATCH (n) WHERE (n:ThreatEvent AND n.event_id = $id) OR (n:Actor AND n.name ENDS WITH $suffix) DETACH DELETE n",
    { id, suffix },
  );
  await closeContainer();
});

describe("versions of one threat event in the graph", () => {
  it("an older copy arriving later adds no edge; a newer one moves the edges to what it names", async () => {
    await merge({ ts: "2026-01-02T00:00:00Z", actor: actor("B"), ip: ip(2), score: 0.5 });
    // An older version, redelivered after: changes nothing (it added its actor and IP before).
    await merge({ ts: "2026-01-01T00:00:00Z", actor: actor("A"), ip: ip(1), score: 0.1 });
    expect(await edges()).toEqual({ score: 0.5, actors: [actor("B")], ips: [ip(2)] });
    // A newer version with another actor and no IP: the actor edge moves, the IP edge goes.
    await merge({ ts: "2026-01-03T00:00:00Z", actor: actor("C"), score: 0.9 });
    expect(await edges()).toEqual({ score: 0.9, actors: [actor("C")], ips: [] });
    // The same version delivered again changes nothing.
    await merge({ ts: "2026-01-03T00:00:00Z", actor: actor("C"), score: 0.9 });
    expect(await edges()).toEqual({ score: 0.9, actors: [actor("C")], ips: [] });
  });
});
