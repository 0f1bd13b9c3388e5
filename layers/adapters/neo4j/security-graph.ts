import type { Driver } from "neo4j-driver";
import { ServiceUnavailableError } from "../../core/errors";
import type { SecurityGraph } from "../../core/security-logs/ingest-log-object";

// First and last sightings only ever widen (min/max), so merging the same object twice changes nothing
// and objects can be merged in any order. `rel` and `row` are the fixed variable names of the queries below.
const widenSightings = (rel: string, row: string) => `
SET ${rel}.first_seen = CASE WHEN ${rel}.first_seen IS NULL OR ${row}.firstSeen < ${rel}.first_seen THEN ${row}.firstSeen ELSE ${rel}.first_seen END,
    ${rel}.last_seen = CASE WHEN ${rel}.last_seen IS NULL OR ${row}.lastSeen > ${rel}.last_seen THEN ${row}.lastSeen ELSE ${rel}.last_seen END`;

// What detections saw on a host: a technique, or the CVE a rule names (Log4Shell's JNDI lookups) — the very
// Vulnerability node KEV files and threat events and URLs mention. Nodes are locked in sorted order by every
// writer. The label and key are one of the two fixed pairs below, never input.
const mergeObserved = (
  label: "Technique" | "Vulnerability",
  key: "id" | "cve",
  field: "technique" | "cve",
) => `
UNWIND $rows AS s
MERGE (h:Host {name: s.host})
MERGE (target:${label} {${key}: s.${field}})
MERGE (h)-[o:OBSERVED]->(target)${widenSightings("o", "s")},
    o.rules = [r IN coalesce(o.rules, []) WHERE NOT r IN s.rules] + s.rules`;
const MERGE_TECHNIQUES = mergeObserved("Technique", "id", "technique");
const MERGE_VULNERABILITIES = mergeObserved("Vulnerability", "cve", "cve");

// An address is the very IPAddress node threat events target and URLhaus hosts resolve to, so one hop
// from an IP reaches the Windows hosts that talked to it.
const MERGE_ADDRESSES = `
UNWIND $rows AS a
MERGE (h:Host {name: a.host})
MERGE (ip:IPAddress {value: a.ip})
MERGE (h)-[c:COMMUNICATED_WITH]->(ip)${widenSightings("c", "a")}`;

const byKey =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * `(Host)-[:OBSERVED]->(Technique {id})` and `(Host)-[:OBSERVED]->(Vulnerability {cve})` from detections and
 * `(Host)-[:COMMUNICATED_WITH]->(IPAddress)` from the events' source and destination addresses, in one
 * managed transaction (retried on transient errors).
 */
export function neo4jSecurityGraph(driver: Driver): SecurityGraph {
  return {
    async merge({ techniques, vulnerabilities, addresses }) {
      if (techniques.length === 0 && vulnerabilities.length === 0 && addresses.length === 0) return;
      const session = driver.session({ defaultAccessMode: "WRITE" });
      try {
        await session.executeWrite(async (tx) => {
          // Each statement's rows in (host, what it points at) order: the order every writer locks in.
          const run = async <T extends { host: string }>(
            statement: string,
            rows: T[],
            to: (r: T) => string,
          ) => {
            if (rows.length > 0)
              await tx.run(statement, { rows: [...rows].sort(byKey((r) => `${r.host}\n${to(r)}`)) });
          };
          await run(MERGE_TECHNIQUES, techniques, (t) => t.technique);
          await run(MERGE_VULNERABILITIES, vulnerabilities, (v) => v.cve);
          await run(MERGE_ADDRESSES, addresses, (a) => a.ip);
        });
      } catch (error) {
        throw new ServiceUnavailableError(
          "neo4j",
          `merging ${techniques.length} host techniques, ${vulnerabilities.length} host CVEs and ${addresses.length} host addresses failed: ${(error as Error).message}`,
          error,
        );
      } finally {
        await session.close();
      }
    },
  };
}
