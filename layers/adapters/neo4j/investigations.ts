import type { Driver } from "neo4j-driver";

/** The graph's side of the same questions: a pivot from high-score events to the IPs they targeted. */
export function graphInvestigations(driver: Driver) {
  return {
    async topTargetedIps(minScore: number, limit: number): Promise<{ ip: string; hits: number }[]> {
      const { records } = await driver.executeQuery(
        `MATCH (t:ThreatEvent)-[:TARGETED]->(i:IPAddress) WHERE t.score > $minScore
         RETURN i.value AS ip, count(t) AS hits ORDER BY hits DESC, ip LIMIT toInteger($limit)`,
        { minScore, limit },
        { routing: "READ" },
      );
      return records.map((r) => ({ ip: String(r.get("ip")), hits: Number(r.get("hits")) }));
    },

    async eventsOfActor(actor: string, limit: number): Promise<string[]> {
      const { records } = await driver.executeQuery(
        `MATCH (:Actor {name: $actor})-[:GENERATED]->(t:ThreatEvent)
         RETURN t.event_id AS id ORDER BY t.ts DESC, id DESC LIMIT toInteger($limit)`,
        { actor, limit },
        { routing: "READ" },
      );
      return records.map((r) => String(r.get("id")));
    },
  };
}
