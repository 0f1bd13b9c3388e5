import type { Driver } from "neo4j-driver";
import { ServiceUnavailableError } from "../../core/errors";
import type { SecurityGraph } from "../../core/security-logs/ingest-log-object";

// First and last sightings only ever widen (min/max), so merging the same object twice changes nothing
// and objects can be merged in any order. `rel` and `row` are the fixed variable names of the queries below.
const widenSightings = (rel: string, row: string) => `
SET ${rel}.first_seen = CASE WHEN ${rel}.first_seen IS NULL OR ${row}.firstSeen < ${rel}.first_seen THEN ${row}.firstSeen ELSE ${rel}.first_seen END,
    ${rel}.last_seen = CASE WHEN ${rel}.last_seen IS NULL OR ${row}.lastSeen > ${rel}.last_seen THEN ${row}.lastSeen ELSE ${rel}.last_seen END`;

// Hosts and techniques are locked in sorted order by every writer.
const MERGE_TECHNIQUES = `
UNWIND $techniques AS t
MERGE (h:Host {name: t.host})
MERGE (tech:Technique {id: t.technique})
MERGE (h)-[o:OBSERVED]->(tech)${widenSightings("o", "t")},
    o.rules = [r IN coalesce(o.rules, []) WHERE NOT r IN t.rules] + t.rules`;

// An address is the very IPAddress node threat events target and URLhaus hosts resolve to, so one hop
// from an IP reaches the Windows hosts that talked to it.
const MERGE_ADDRESSES = `
UNWIND $addresses AS a
MERGE (h:Host {name: a.host})
MERGE (ip:IPAddress {value: a.ip})
MERGE (h)-[c:COMMUNICATED_WITH]->(ip)${widenSightings("c", "a")}`;

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * `(Host)-[:OBSERVED]->(Technique {id})` from detections and `(Host)-[:COMMUNICATED_WITH]->(IPAddress)` from
 * the events' source and destination addresses, in one managed transaction (retried on transient errors).
 */
export function neo4jSecurityGraph(driver: Driver): SecurityGraph {
  return {
    async merge({ techniques, addresses }) {
      if (techniques.length === 0 && addresses.length === 0) return;
      const session = driver.session({ defaultAccessMode: "WRITE" });
      try {
        await session.executeWrite(async (tx) => {
          if (techniques.length > 0) {
            await tx.run(MERGE_TECHNIQUES, {
              techniques: [...techniques].sort(byKey((t) => `${t.host}\n${t.technique}`)),
            });
          }
          if (addresses.length > 0) {
            await tx.run(MERGE_ADDRESSES, {
              addresses: [...addresses].sort(byKey((a) => `${a.host}\n${a.ip}`)),
            });
          }
        });
      } catch (error) {
        throw new ServiceUnavailableError(
          "neo4j",
          `merging ${techniques.length} host techniques and ${addresses.length} host addresses failed: ${(error as Error).message}`,
          error,
        );
      } finally {
        await session.close();
      }
    },
  };
}
