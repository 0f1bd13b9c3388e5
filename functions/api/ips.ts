import { eventQuery } from "../../layers/core/api/events";
import { pivotIp, pivotJson } from "../../layers/core/api/investigations";
import { API_ROUTES } from "../../layers/core/api/routes";
import { eventQueries, ipEvidence } from "../../layers/runtime/api";
import { apiHandler, JsonText } from "../../layers/runtime/http";

/** GET /v1/ips/{ip} — the IP pivot: events aimed at it, URLs on it, sightings, and the KEV entries named. */
export const pivot = apiHandler(API_ROUTES.ipPivot, async ({ query, path }) => {
  const { page } = eventQuery(query, { ip: path.ip });
  return new JsonText(pivotJson(await pivotIp({ evidence: ipEvidence() }, path.ip, page)));
});

/** GET /v1/ips/top — the IPs that high-score events target most. */
export const top = apiHandler(API_ROUTES.topTargetedIps, async ({ query }) => ({
  data: await eventQueries().topTargetedIps(query.score_above, query.limit),
  meta: { score_above: query.score_above, limit: query.limit },
}));
