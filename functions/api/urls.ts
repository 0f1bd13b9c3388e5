import { listQuery } from "../../layers/core/api/feeds";
import { urlPageJson } from "../../layers/core/api/investigations";
import { API_ROUTES } from "../../layers/core/api/routes";
import { feedQueries } from "../../layers/runtime/api";
import { apiHandler, JsonText } from "../../layers/runtime/http";

/** GET /v1/urls — URLhaus URLs by status, threat, tag and host, newest first. */
export const list = apiHandler(API_ROUTES.listUrls, async ({ query }) => {
  const { filter, page } = listQuery("urls", query);
  return new JsonText(urlPageJson(await feedQueries().listUrls(filter, page), page.limit, filter));
});
