import { GRAPH_BOUNDS, graphKey } from "../../layers/core/api/graph";
import { API_ROUTES } from "../../layers/core/api/routes";
import { NotFoundError } from "../../layers/core/errors";
import { graphQueries } from "../../layers/runtime/api";
import { apiHandler } from "../../layers/runtime/http";

/** GET /v1/graph — the neighbourhood of one node, up to 3 hops, bounded; 404 when no node has the key. */
export const neighbourhood = apiHandler(API_ROUTES.graphNeighbourhood, async ({ query }) => {
  const key = graphKey(query.label, query.key);
  const found = await graphQueries().around(query.label, key, query.depth, query.limit);
  if (!found) throw new NotFoundError(query.label, query.key);
  return {
    data: {
      root: found.root,
      nodes: [...found.nodes.values()],
      relationships: [...found.relationships.values()],
    },
    meta: {
      depth: query.depth,
      node_limit: query.limit,
      relationship_limit: GRAPH_BOUNDS.maxRelationships,
      truncated: found.truncated,
    },
  };
});
