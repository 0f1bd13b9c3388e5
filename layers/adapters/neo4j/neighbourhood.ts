import neo4j, { type Driver, type Node, type Relationship, type Transaction } from "neo4j-driver";
import {
  addHop,
  GRAPH_BOUNDS,
  type GraphNode,
  type GraphRelationship,
  graphKeyOf,
  type NeighbourhoodState,
  startNeighbourhood,
} from "../../core/api/graph";
import { ServiceUnavailableError } from "../../core/errors";
import { GRAPH_CONSTRAINTS } from "../../core/graph-schema";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The start node's look-up for a label. Labels and property names cannot be Cypher parameters, so they
 * come only from the graph's constraint list (graphKeyOf) and are checked to be plain identifiers; the key
 * value is a parameter.
 */
function startStatement(label: string): string {
  const key = graphKeyOf(label);
  if (!IDENTIFIER.test(key.label) || !IDENTIFIER.test(key.property)) {
    throw new Error(`not a plain identifier: ${key.label}.${key.property}`);
  }
  return `MATCH (n:${key.label} {${key.property}: $key}) RETURN n LIMIT 1`;
}

// One hop out of the frontier, relationships already collected left out, at most $limit rows: Neo4j stops
// expanding once it has them, so a node with 50,000 relationships costs no more than the bound. A
// relationship between two frontier nodes is found from both ends: only the row from the end with the
// greater id is kept, or it would take two rows of the room and could report a bound it did not reach.
const HOP = `
MATCH (n)-[r]-(m) WHERE elementId(n) IN $frontier AND NOT elementId(r) IN $seen
  AND NOT (elementId(m) IN $frontier AND elementId(m) > elementId(n))
RETURN r, m LIMIT toInteger($limit)`;

/** A property value as JSON: integers as numbers, temporal values as ISO text, lists element-wise. */
function plainValue(value: unknown): unknown {
  if (neo4j.isInt(value)) return value.inSafeRange() ? value.toNumber() : value.toString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (
    neo4j.isDate(value) ||
    neo4j.isDateTime(value) ||
    neo4j.isLocalDateTime(value) ||
    neo4j.isTime(value) ||
    neo4j.isLocalTime(value) ||
    neo4j.isDuration(value)
  ) {
    return String(value);
  }
  if (neo4j.isPoint(value)) return { srid: Number(value.srid), x: value.x, y: value.y, z: value.z ?? null };
  return value;
}

const plainProperties = (properties: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, plainValue(v)]));

function toNode(node: Node): GraphNode {
  const key = GRAPH_CONSTRAINTS.find((c) => node.labels.includes(c.label));
  const value = key ? node.properties[key.property] : undefined;
  return {
    id: node.elementId,
    labels: [...node.labels].sort(),
    key: value === undefined || value === null ? null : String(plainValue(value)),
    properties: plainProperties(node.properties),
  };
}

const toRelationship = (r: Relationship): GraphRelationship => ({
  id: r.elementId,
  type: r.type,
  start: r.startNodeElementId,
  end: r.endNodeElementId,
  properties: plainProperties(r.properties),
});

/** The start node by its key, then one hop at a time until `depth`, the frontier empty or the bounds met. */
async function readAround(
  tx: Transaction,
  statement: string,
  key: string,
  depth: number,
  bounds: { maxNodes: number; maxRelationships: number },
): Promise<(NeighbourhoodState & { root: string }) | null> {
  const start = await tx.run(statement, { key });
  const root = start.records[0]?.get("n") as Node | undefined;
  if (!root) return null;
  const state = startNeighbourhood(toNode(root));
  let frontier = [root.elementId];
  for (let hop = 0; hop < Math.min(depth, GRAPH_BOUNDS.maxDepth) && frontier.length > 0; hop += 1) {
    const room = bounds.maxRelationships - state.relationships.size;
    if (room <= 0) {
      state.truncated = true;
      break;
    }
    // One row beyond the room left: if it comes back, there was more than the bound allows.
    const result = await tx.run(HOP, { frontier, seen: [...state.relationships.keys()], limit: room + 1 });
    if (result.records.length > room) state.truncated = true;
    frontier = addHop(
      state,
      result.records.slice(0, room).map((r) => ({
        relationship: toRelationship(r.get("r") as Relationship),
        node: toNode(r.get("m") as Node),
      })),
      bounds,
    );
  }
  return { ...state, root: root.elementId };
}

/**
 * How Neo4j says it stopped a transaction that ran past its timeout: while running, or while waiting for a
 * lock (a schema change on one of its labels holds the read until it commits: without a timeout, for ever).
 */
const STOPPED = new Set([
  "Neo.ClientError.Transaction.TransactionTimedOut",
  "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
  "Neo.ClientError.Transaction.LockClientStopped",
]);

/**
 * The threat graph around one node, breadth first, one bounded query per hop, all in one read transaction
 * that Neo4j stops after `timeoutMs` (it checks about every second or two, so it may run a little longer).
 */
export function neo4jNeighbourhood(driver: Driver, { timeoutMs }: { timeoutMs: number }) {
  return {
    /** @returns null when no node has that label and key. */
    async around(
      label: string,
      key: string,
      depth: number,
      maxNodes: number,
    ): Promise<(NeighbourhoodState & { root: string }) | null> {
      const bounds = {
        maxNodes: Math.min(maxNodes, GRAPH_BOUNDS.maxNodes),
        maxRelationships: GRAPH_BOUNDS.maxRelationships,
      };
      const statement = startStatement(label);
      const session = driver.session({ defaultAccessMode: neo4j.session.READ });
      try {
        // An explicit transaction, not executeRead: that one retries for up to 30 s, past the function's end.
        const tx = session.beginTransaction({ timeout: timeoutMs });
        const found = await readAround(tx, statement, key, depth, bounds);
        await tx.commit();
        return found;
      } catch (error) {
        // An unreachable or restarting Neo4j, or a read it stopped at the timeout, is a 503; anything else
        // (a defect) stays a 500.
        const stopped = STOPPED.has((error as { code?: string }).code ?? "");
        if (!stopped && !neo4j.isRetriableError(error)) throw error;
        const why = stopped ? `stopped after ${timeoutMs} ms` : (error as Error).message;
        throw new ServiceUnavailableError("neo4j", `reading a neighbourhood: ${why}`, error);
      } finally {
        // A transaction left open by a failure ends with its session.
        await session.close();
      }
    },
  };
}
