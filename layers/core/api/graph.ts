import { InvalidInputError } from "../errors";
import { GRAPH_CONSTRAINTS } from "../graph-schema";
import { hostKey } from "../host";
import { canonicalIp } from "../ip";
import { cveParam } from "./feeds";
import { invalidInput, ipParam, textParam, wholeNumber } from "./params";
import { z } from "./zod";

/** The labels a neighbourhood can start from: every node kind of the graph model, each with its key. */
export const GRAPH_LABELS = GRAPH_CONSTRAINTS.map((c) => c.label) as [string, ...string[]];

/** Hard bounds of one neighbourhood, whatever is asked: a hot IP has tens of thousands of events. */
export const GRAPH_BOUNDS = {
  maxDepth: 3,
  maxNodes: 500,
  defaultNodes: 100,
  maxRelationships: 1000,
} as const;

export const GraphQuery = z
  .object({
    label: z.enum(GRAPH_LABELS).describe("The start node's label"),
    key: textParam(4096).describe(
      "The start node's key: Actor name, ThreatEvent event_id, IPAddress value, URL value, Host name, " +
        "Vulnerability cve, Vendor name, Product key (vendor|product), Technique id",
    ),
    depth: wholeNumber(1, GRAPH_BOUNDS.maxDepth, 1).describe("Hops from the start node, 1 to 3 (default 1)"),
    limit: wholeNumber(1, GRAPH_BOUNDS.maxNodes, GRAPH_BOUNDS.defaultNodes).describe(
      `Most nodes returned, 1 to ${GRAPH_BOUNDS.maxNodes} (default ${GRAPH_BOUNDS.defaultNodes})`,
    ),
  })
  .strict();

/**
 * A start key as the graph writes it: an IP (as the API's IP parameter reads one) in its one spelling
 * (canonicalIp: the writers store it so), a CVE id in capitals (cveParam, as KEV, the events and the
 * detections name it), a host name as hosts are filed (hostKey: lower case; an IP literal host is the IP's
 * node); any other key as given.
 * @throws InvalidInputError naming `key` when an IPAddress key is not an address or a Vulnerability key not
 * a CVE id: no node could have it.
 */
export function graphKey(label: string, key: string): string {
  if (label === "IPAddress") return canonicalIp(keyAs(ipParam, key));
  if (label === "Vulnerability") return keyAs(cveParam, key);
  if (label === "Host") {
    const host = hostKey(key);
    return ipParam.safeParse(host).success ? canonicalIp(host) : host;
  }
  return key;
}

/** `key` as `param` reads it, or a 400 naming `key`, the value given and what the label's key is. */
function keyAs(param: z.ZodType<string, z.ZodTypeDef, unknown>, key: string): string {
  const parsed = z.object({ key: param }).safeParse({ key });
  if (!parsed.success) throw invalidInput(parsed.error, [], { key });
  return parsed.data.key;
}

/** The key property of a label, from the constraint list (the only source of Cypher identifiers here). */
export function graphKeyOf(label: string): { label: string; property: string } {
  const constraint = GRAPH_CONSTRAINTS.find((c) => c.label === label);
  if (!constraint) throw new InvalidInputError("label", `one of ${GRAPH_LABELS.join(", ")}`);
  return { label: constraint.label, property: constraint.property };
}

export const GraphNode = z
  .object({
    id: z.string().describe("Neo4j element id, stable within this response"),
    labels: z.array(z.string()),
    key: z.string().nullable().describe("The value of the node's key property"),
    properties: z.record(z.unknown()),
  })
  .openapi("GraphNode");

export const GraphRelationship = z
  .object({
    id: z.string(),
    type: z.string(),
    start: z.string().describe("id of the start node"),
    end: z.string().describe("id of the end node"),
    properties: z.record(z.unknown()),
  })
  .openapi("GraphRelationship");

export type GraphNode = z.output<typeof GraphNode>;
export type GraphRelationship = z.output<typeof GraphRelationship>;

export const Neighbourhood = z
  .object({
    data: z.object({
      root: z.string().describe("id of the start node"),
      nodes: z.array(GraphNode),
      relationships: z.array(GraphRelationship),
    }),
    meta: z.object({
      depth: z.number().int(),
      node_limit: z.number().int(),
      relationship_limit: z.number().int(),
      truncated: z.boolean().describe("true when the neighbourhood has more than was returned"),
    }),
  })
  .openapi("Neighbourhood");

/** A breadth-first neighbourhood being collected, bounded in nodes and relationships. */
export interface NeighbourhoodState {
  nodes: Map<string, GraphNode>;
  relationships: Map<string, GraphRelationship>;
  truncated: boolean;
}

export function startNeighbourhood(root: GraphNode): NeighbourhoodState {
  return { nodes: new Map([[root.id, root]]), relationships: new Map(), truncated: false };
}

/**
 * Adds one hop's rows (a relationship and its far node, from a node of the frontier) within the bounds,
 * and returns the next frontier: the nodes first reached in this hop. A row that would exceed a bound
 * is dropped and the state marked truncated; a relationship is only kept with both its ends.
 */
export function addHop(
  state: NeighbourhoodState,
  rows: readonly { relationship: GraphRelationship; node: GraphNode }[],
  bounds: { maxNodes: number; maxRelationships: number },
): string[] {
  const frontier: string[] = [];
  for (const { relationship, node } of rows) {
    if (state.relationships.has(relationship.id)) continue;
    if (state.relationships.size >= bounds.maxRelationships) {
      state.truncated = true;
      continue;
    }
    if (!state.nodes.has(node.id)) {
      if (state.nodes.size >= bounds.maxNodes) {
        state.truncated = true;
        continue;
      }
      state.nodes.set(node.id, node);
      frontier.push(node.id);
    }
    state.relationships.set(relationship.id, relationship);
  }
  return frontier;
}
