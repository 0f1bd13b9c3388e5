import type { Driver } from "neo4j-driver";
import { ServiceUnavailableError } from "../../core/errors";
import { lockOrder, type ThreatGraph } from "../../core/graph/threat-graph";

// Actors and IPs first, in sorted order, then the events: every writer locks in the same order.
const MERGE_ACTORS = "UNWIND $actors AS name MERGE (:Actor {name: name})";
const MERGE_IPS = "UNWIND $ips AS value MERGE (:IPAddress {value: value})";
// A newer version of an event (by ts, then Kafka offset) replaces its properties; an older replay does not.
const MERGE_EVENTS = `
UNWIND $events AS e
MERGE (t:ThreatEvent {event_id: e.event_id})
FOREACH (_ IN CASE WHEN t.ts IS NULL OR e.props.ts > t.ts
    OR (e.props.ts = t.ts AND e.props.kafka_offset >= t.kafka_offset) THEN [1] ELSE [] END |
  SET t += e.props)
FOREACH (_ IN CASE WHEN e.actor IS NULL THEN [] ELSE [1] END |
  MERGE (a:Actor {name: e.actor})
  MERGE (a)-[:GENERATED]->(t))
FOREACH (_ IN CASE WHEN e.ip IS NULL THEN [] ELSE [1] END |
  MERGE (i:IPAddress {value: e.ip})
  MERGE (t)-[:TARGETED]->(i))`;

/**
 * The threat graph in Neo4j: one write transaction per batch of UNWIND … MERGE statements. The driver's
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
        await session.executeWrite(async (tx) => {
          await tx.run(MERGE_ACTORS, { actors: ordered.actors });
          await tx.run(MERGE_IPS, { ips: ordered.ips });
          await tx.run(MERGE_EVENTS, { events: ordered.events });
        });
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
