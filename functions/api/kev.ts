import { listQuery } from "../../layers/core/api/feeds";
import { cveWithHistory, kevPage } from "../../layers/core/api/investigations";
import { API_ROUTES } from "../../layers/core/api/routes";
import { feedQueries } from "../../layers/runtime/api";
import { apiHandler } from "../../layers/runtime/http";

/** GET /v1/kev — CISA KEV entries by vendor, product, ransomware use and date added. */
export const list = apiHandler(API_ROUTES.listKev, async ({ query }) => {
  const { filter, page } = listQuery("kev", query);
  return kevPage(await feedQueries().listKev(filter, page), page.limit, filter);
});

/** GET /v1/kev/{cve} — one KEV entry with its change history; 404 when KEV never listed it. */
export const cve = apiHandler(API_ROUTES.getCve, async ({ path }) => cveWithHistory(feedQueries(), path.cve));
