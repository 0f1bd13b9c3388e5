import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { LIMIT, MAX_QUERY_STRING_BYTES } from "./params";
import { API_ROUTES, ApiError, type ApiRoute } from "./routes";
import { z } from "./zod";

const API_KEY_SCHEME = "apiKey";

const errorResponse = (description: string): ResponseConfig => ({
  description,
  content: { "application/json": { schema: ApiError } },
});

/** What API Gateway answers itself when it throttles a request: no function runs, so not an ApiError. */
const Throttled = z.object({ message: z.string().describe("Too Many Requests") }).openapi("Throttled");

/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the very zod schemas that validate requests
 * (query and path parameters) and describe the responses, so the document cannot drift from the code.
 */
export function openApiDocument(
  routes: readonly ApiRoute[] = Object.values(API_ROUTES),
  version = "1",
): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", API_KEY_SCHEME, {
    type: "apiKey",
    in: "header",
    name: "x-api-key",
    description: "A key from the API keys secret (API_KEYS_SECRET); locally `make api-key` prints one",
  });
  for (const r of routes) {
    const responses: Record<string, ResponseConfig> = {
      200: { description: "OK", content: { "application/json": { schema: r.response } } },
      400: errorResponse("A parameter is invalid: `field` names it and `message` says what was expected"),
      414: errorResponse(`The query string is longer than ${MAX_QUERY_STRING_BYTES} bytes`),
      500: errorResponse("An internal error; the body never carries its details"),
      503: errorResponse("A backing service did not answer; retry later"),
      429: {
        description:
          "Beyond the deployed API's throttle (requests a second across every route): retry after a pause",
        content: { "application/json": { schema: Throttled } },
      },
    };
    if (r.auth) responses[401] = errorResponse("No API key, or one that is not valid");
    if (r.notFound) responses[404] = errorResponse("Nothing has that key");
    registry.registerPath({
      method: r.method,
      path: r.path,
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      security: r.auth ? [{ [API_KEY_SCHEME]: [] }] : [],
      request: { query: r.query, ...(r.params ? { params: r.params } : {}) },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Vigil API",
      version,
      description:
        "Threat events, IP pivots, CISA KEV, URLhaus URLs, the threat graph and the pipeline's state. " +
        `Every /v1 route needs an \`x-api-key\` header. Lists return \`limit\` rows (${LIMIT.min}-${LIMIT.max}, ` +
        `default ${LIMIT.default}) and \`meta.next_cursor\` for the next page.`,
    },
    servers: [{ url: "/" }],
  }) as unknown as Record<string, unknown>;
}
