import type { Driver } from "neo4j-driver";
import { ServiceUnavailableError } from "../../core/errors";
import {
  type GraphEvent,
  lockOrder,
  THREAT_EVENT_PROPERTIES,
  type ThreatGraph,
} from "../../core/graph/threat-graph";
import { cypherName } from "../../core/graph-schema";

// The events travel as one list per property, not as a list of maps: the driver packs every map's keys
// again and passes every map through its type checks, which made packing the parameters cost twice as
// much Node CPU as everything else the write does. Row n of the batch is element n of each list.
// A newer version of an event (by ts, then Kafka offset) replaces its properties — those it lacks too, as
// in Postgres — and its actor and IP edges (an edge to an actor or IP it no longer names is removed); an
// older replay changes nothing, edges included. Its MENTIONS edges follow the CVE ids it names the same way.
const NODE_PROPERTIES = THREAT_EVENT_PROPERTIES.map((name) => `${cypherName(name)}: $${name}[n]`).join(", ");
// One statement per batch (a statement run costs the driver a captured stack trace, which source maps
// make expensive): actors, IPs and CVEs first, in sorted order, then the events, so every writer locks in
// the same order.
const MERGE_BATCH = `
CALL () { UNWIND $actors AS name MERGE (:Actor {name: name}) }
CALL () { UNWIND $ips AS value MERGE (:IPAddress {value: value}) }
CALL () { UNWIND $vulnerabilities AS cve MERGE (:Vulnerability {cve: cve}) }
UNWIND range(0, size($event_id) - 1) AS n
WITH {${NODE_PROPERTIES}} AS props, $actor[n] AS actor, $ip[n] AS ip, $cves[n] AS cves
MERGE (t:ThreatEvent {event_id: props.event_id})
WITH t, props, actor, ip, cves
WHERE t.ts IS NULL OR props.ts > t.ts OR (props.ts = t.ts AND props.kafka_offset >= t.kafka_offset)
SET t += props
WITH t, actor, ip, cves
CALL (t, actor) {
  OPTIONAL MATCH (other:Actor)-[g:GENERATED]->(t) WHERE actor IS NULL OR other.name <> actor
  DELETE g }
CALL (t, ip) {
  OPTIONAL MATCH (t)-[g:TARGETED]->(other:IPAddress) WHERE ip IS NULL OR other.value <> ip
  DELETE g }
CALL (t, cves) {
  OPTIONAL MATCH (t)-[m:MENTIONS]->(other:Vulnerability) WHERE NOT other.cve IN cves
  DELETE m }
FOREACH (_ IN CASE WHEN actor IS NULL THEN [] ELSE [1] END |
  MERGE (a:Actor {name: actor})
  MERGE (a)-[:GENERATED]->(t))
FOREACH (_ IN CASE WHEN ip IS NULL THEN [] ELSE [1] END |
  MERGE (i:IPAddress {value: ip})
  MERGE (t)-[:TARGETED]->(i))
FOREACH (cve IN cves |
  MERGE (v:Vulnerability {cve: cve})
  MERGE (t)-[:MENTIONS]->(v))`;

/** The events as MERGE_BATCH takes them: one list per node property, plus the actor, IP and CVEs of each. */
export function eventColumns(events: readonly GraphEvent[]): Record<string, unknown[]> {
  const columns: Record<string, unknown[]> = {
    actor: events.map((e) => e.actor),
    ip: events.map((e) => e.ip),
    cves: events.map((e) => e.cves),
  };
  for (const name of THREAT_EVENT_PROPERTIES) columns[name] = events.map((e) => e.props[name] ?? null);
  return columns;
}

/**
 * The threat graph in Neo4j: one write transaction per batch, one UNWIND … MERGE statement. The driver's
 * managed transaction retries transient errors (deadlocks, leader switches) by itself for up to 30 s;
 * anything still failing fails the batch, which Kafka then redelivers.
 */
export function neo4jThreatGraph(driver: Driver): ThreatGraph {
  return {
    async mergeEvents(events) {
      if (events.length === 0) return;
      const ordered = lockOrder(events);
      const session = driver.session({ defaultAccessMode: "WRITE" });
      try {
        const parameters = {
          actors: ordered.actors,
          ips: ordered.ips,
          vulnerabilities: ordered.cves,
          ...eventColumns(ordered.events),
        };
        await session.executeWrite((tx) => tx.run(MERGE_BATCH, parameters));
      } catch (error) {
        throw new ServiceUnavailableError(
          "neo4j",
          `merging ${events.length} events failed: ${(error as Error).message}`,
          error,
        );
      } finally {
        await session.close();
      }
    },
  };
}
