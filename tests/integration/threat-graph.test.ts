import { afterAll, describe, expect, it } from "vitest";
import { neo4jUrlGraph } from "../../layers/adapters/neo4j/feed-graph";
import { neo4jNeighbourhood } from "../../layers/adapters/neo4j/neighbourhood";
import { neo4jThreatGraph } from "../../layers/adapters/neo4j/threat-graph";
import type { ThreatEvent } from "../../layers/core/events/threat-event";
import { toGraphEvent } from "../../layers/core/graph/threat-graph";
import { toGraphUrl } from "../../layers/core/graph/url-graph";
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
const url = `http://${ip(9)}/graph-versions-${suffix}/exploit.sh`;
const cve = (n: number) => `CVE-2097-${String(parseInt(suffix, 16) % 1_000_000).padStart(6, "0")}${n}`;

let offset = 0;
const merge = (event: { ts: string; actor?: string; ip?: string; score: number; msg?: string }) => {
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
            COLLECT { MATCH (t)-[:TARGETED]->(i:IPAddress) RETURN i.value ORDER BY i.value } AS ips,
            COLLECT { MATCH (t)-[:MENTIONS]->(v:Vulnerability) RETURN v.cve ORDER BY v.cve } AS cves`,
    { id },
  );
  return records[0]?.toObject();
}

afterAll(async () => {
  await neo4jDriver().executeQuery(
    `MATCH (n) WHERE (n:ThreatEvent AND n.event_id = $id) OR (n:Actor AND n.name ENDS WITH $suffix)
       OR (n:Vulnerability AND n.cve IN $cves) OR (n:URL AND n.value = $url) OR (n:IPAddress AND n.value = $ip)
     DETACH DELETE n`,
    { id, suffix, cves: [cve(1), cve(2), cve(3)], url, ip: ip(9) },
  );
  await closeContainer();
});

describe("versions of one threat event in the graph", () => {
  it("an older copy arriving later adds no edge; a newer one moves the edges to what it names", async () => {
    await merge({ ts: "2026-01-02T00:00:00Z", actor: actor("B"), ip: ip(2), score: 0.5 });
    // An older version, redelivered after: changes nothing (it added its actor and IP before).
    await merge({ ts: "2026-01-01T00:00:00Z", actor: actor("A"), ip: ip(1), score: 0.1 });
    expect(await edges()).toEqual({ score: 0.5, actors: [actor("B")], ips: [ip(2)], cves: [] });
    // A newer version with another actor and no IP: the actor edge moves, the IP edge goes.
    await merge({ ts: "2026-01-03T00:00:00Z", actor: actor("C"), score: 0.9 });
    expect(await edges()).toEqual({ score: 0.9, actors: [actor("C")], ips: [], cves: [] });
    // The same version delivered again changes nothing.
    await merge({ ts: "2026-01-03T00:00:00Z", actor: actor("C"), score: 0.9 });
    expect(await edges()).toEqual({ score: 0.9, actors: [actor("C")], ips: [], cves: [] });
  });

  it("links the CVEs the newest version names, and only those", async () => {
    const ts = "2026-02-01T00:00:00Z";
    await merge({ ts, score: 0.5, msg: `exploits ${cve(1).toLowerCase()} and ${cve(2)}` });
    expect((await edges())?.cves).toEqual([cve(1), cve(2)]);
    // An older version naming another CVE changes nothing; a newer one moves the edges to what it names.
    await merge({ ts: "2026-01-31T00:00:00Z", score: 0.1, msg: `exploits ${cve(3)}` });
    expect((await edges())?.cves).toEqual([cve(1), cve(2)]);
    await merge({ ts: "2026-02-02T00:00:00Z", score: 0.9, msg: `exploits ${cve(2)}, then ${cve(3)}` });
    expect((await edges())?.cves).toEqual([cve(2), cve(3)]);
    await merge({ ts: "2026-02-03T00:00:00Z", score: 0.9, msg: "no CVE named" });
    expect((await edges())?.cves).toEqual([]);
  });
});

describe("revisions of one URLhaus URL in the graph", () => {
  const revise = (revision: number, tags: string[]) =>
    neo4jUrlGraph(neo4jDriver()).mergeUrls([
      toGraphUrl({
        event_id: `urlhaus:1:r${revision}`,
        ts: `2026-03-0${revision}T00:00:00Z`,
        change: revision === 1 ? "added" : "tags_changed",
        urlhaus_id: "1",
        url,
        host: ip(9),
        url_status: "online",
        tags,
      }),
    ]);
  const mentions = async () =>
    (
      await neo4jDriver().executeQuery(
        "MATCH (:URL {value: $url})-[:MENTIONS]->(v:Vulnerability) RETURN v.cve AS cve ORDER BY cve",
        { url },
      )
    ).records.map((r) => r.get("cve"));

  it("links the CVEs the newest revision's tags name, and only those", async () => {
    await revise(1, ["Mozi", cve(1).toLowerCase()]);
    expect(await mentions()).toEqual([cve(1)]);
    await revise(3, ["Mozi", cve(2)]);
    expect(await mentions()).toEqual([cve(2)]);
    // An older revision delivered late changes nothing.
    await revise(2, [cve(3)]);
    expect(await mentions()).toEqual([cve(2)]);
  });
});

describe("a neighbourhood whose frontier nodes are linked to each other", () => {
  // A hub with 44 hosts that all talked to each other: 44 + 946 relationships, under the bound of 1,000.
  const hub = `hood-hub-${suffix}`;
  const spokes = Array.from({ length: 44 }, (_, i) => `hood-${suffix}-${i}`);
  afterAll(async () => {
    await neo4jDriver().executeQuery("MATCH (h:Host) WHERE h.name IN $names DETACH DELETE h", {
      names: [hub, ...spokes],
    });
  });

  it("counts each relationship between two of them once, and reports no bound it did not reach", async () => {
    await neo4jDriver().executeQuery(
      `MERGE (hub:Host {name: $hub})
       WITH hub UNWIND $spokes AS name MERGE (s:Host {name: name}) MERGE (hub)-[:COMMUNICATED_WITH]->(s)
       WITH collect(s) AS hosts
       UNWIND hosts AS a UNWIND hosts AS b
       WITH a, b WHERE a.name < b.name MERGE (a)-[:COMMUNICATED_WITH]->(b)`,
      { hub, spokes },
    );
    const found = await neo4jNeighbourhood(neo4jDriver(), { timeoutMs: 60_000 }).around("Host", hub, 2, 100);
    expect(found?.nodes.size).toBe(45);
    expect(found?.relationships.size).toBe(44 + (44 * 43) / 2);
    expect(found?.truncated).toBe(false);
  });
});
