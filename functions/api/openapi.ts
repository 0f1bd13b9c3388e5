import { openApiDocument } from "../../layers/core/api/openapi";
import { API_ROUTES } from "../../layers/core/api/routes";
import { apiHandler } from "../../layers/runtime/http";

let document: Record<string, unknown> | undefined;

/** GET /openapi.json — open: the API's OpenAPI 3.1 document, built once per container. */
export const handler = apiHandler(API_ROUTES.openapi, async () => {
  document ??= openApiDocument();
  return document;
});
