import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { openApiDocument } from "../../../../layers/core/api/openapi";
import { API_ROUTES, type ApiRoute } from "../../../../layers/core/api/routes";

const ROOT = resolve(import.meta.dirname, "../../../..");
const serverless = parse(readFileSync(resolve(ROOT, "serverless.yml"), "utf8")) as {
  functions: Record<
    string,
    { events?: { httpApi?: { method: string; path: string; authorizer?: { name: string } } }[] }
  >;
};
const httpRoutes = Object.values(serverless.functions).flatMap((fn) =>
  (fn.events ?? []).flatMap((e) => (e.httpApi ? [e.httpApi] : [])),
);

type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean }[];
  responses: Record<string, unknown>;
};
const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, Operation>> };

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with every route of the API, and only those", () => {
    expect(doc.openapi).toBe("3.1.0");
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = Object.values(API_ROUTES).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(documented.sort()).toEqual(routes.sort());
  });

  it("matches serverless.yml: the same routes, a key required exactly where the authorizer runs", () => {
    const deployed = httpRoutes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(deployed.sort()).toEqual(
      Object.values(API_ROUTES)
        .map((r) => `GET ${r.path}`)
        .sort(),
    );
    for (const r of httpRoutes) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op?.security.length ?? -1, `${r.path}`).toBe(r.authorizer ? 1 : 0);
      expect(r.path.startsWith("/v1/")).toBe(Boolean(r.authorizer?.name === "apiKey"));
    }
  });

  it("documents every query and path parameter each route validates", () => {
    for (const route of Object.values(API_ROUTES) as ApiRoute[]) {
      const params = doc.paths[route.path]?.[route.method]?.parameters ?? [];
      const query = params.filter((p) => p.in === "query").map((p) => p.name);
      expect(query.sort(), route.path).toEqual(Object.keys(route.query.shape).sort());
      const inPath = params.filter((p) => p.in === "path");
      expect(inPath.map((p) => p.name).sort()).toEqual(Object.keys(route.params?.shape ?? {}).sort());
      expect(inPath.every((p) => p.required)).toBe(true);
      expect(Object.keys(doc.paths[route.path]?.[route.method]?.responses ?? {})).toEqual(
        expect.arrayContaining(["200", "400", "429", ...(route.auth ? ["401"] : [])]),
      );
    }
  });
});
