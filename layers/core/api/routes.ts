import { ActorPath, ApiEventDetail, EventIdPath, EventListQuery, EventPage, PageQuery } from "./events";
import { CveDetail, CvePath, KevListQuery, KevPage, UrlListQuery, UrlPage } from "./feeds";
import { GraphQuery, Neighbourhood } from "./graph";
import { IpPath, IpPivot, IpPivotQuery, TopIps, TopIpsQuery } from "./ips";
import { PipelineStatus } from "./pipeline";
import { z } from "./zod";

/** The body of every error response: a stable code, a sentence, and the parameter at fault for a 400. */
export const ApiError = z
  .object({
    error: z.string().describe("invalid_input, unauthorized, not_found, query_too_long, internal_error, …"),
    message: z.string().optional(),
    field: z.string().optional().describe("The parameter at fault (400 only)"),
    request_id: z
      .string()
      .optional()
      .describe("5xx only: the request's id, also in the function's log line about it"),
  })
  .openapi("Error");

const Health = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checks: z.array(
      z.object({ name: z.string(), ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() }),
    ),
  })
  .openapi("Health");

const NoQuery = z.object({}).strict();

/**
 * One HTTP route: what it reads (query and path parameters, validated before the handler runs), what it
 * answers, and whether it needs an API key. The OpenAPI document, the validation middleware and the
 * serverless.yml routes (checked by a unit test) all come from this one list.
 */
export interface ApiRoute {
  operationId: string;
  method: "get";
  /** OpenAPI form: `/v1/events/{id}` (serverless.yml writes it the same way). */
  path: string;
  summary: string;
  tag: "events" | "ips" | "kev" | "urls" | "graph" | "pipeline" | "service";
  auth: boolean;
  query: z.AnyZodObject;
  params?: z.AnyZodObject;
  response: z.ZodTypeAny;
  /** Whether the route answers 404 for an unknown key. */
  notFound?: boolean;
}

const route = <R extends ApiRoute>(r: R) => r;

export const API_ROUTES = {
  health: route({
    operationId: "health",
    method: "get",
    path: "/health",
    summary: "Whether Postgres, Neo4j and the bronze bucket answer (no key needed; 503 when one does not)",
    tag: "service",
    auth: false,
    query: NoQuery,
    response: Health,
  }),
  openapi: route({
    operationId: "openapi",
    method: "get",
    path: "/openapi.json",
    summary: "This document (no key needed)",
    tag: "service",
    auth: false,
    query: NoQuery,
    response: z.record(z.unknown()),
  }),
  listEvents: route({
    operationId: "listEvents",
    method: "get",
    path: "/v1/events",
    summary: "Threat events, newest first, filtered, one page at a time",
    tag: "events",
    auth: true,
    query: EventListQuery,
    response: EventPage,
  }),
  getEvent: route({
    operationId: "getEvent",
    method: "get",
    path: "/v1/events/{id}",
    summary: "One threat event with its provenance (Kafka coordinates, bronze object)",
    tag: "events",
    auth: true,
    query: NoQuery,
    params: EventIdPath,
    response: z.object({ data: ApiEventDetail }),
    notFound: true,
  }),
  actorEvents: route({
    operationId: "actorEvents",
    method: "get",
    path: "/v1/actors/{actor}/events",
    summary: "Everything one actor did, newest first",
    tag: "events",
    auth: true,
    query: PageQuery,
    params: ActorPath,
    response: EventPage,
  }),
  topTargetedIps: route({
    operationId: "topTargetedIps",
    method: "get",
    path: "/v1/ips/top",
    summary: "The IPs that high-score events target most",
    tag: "ips",
    auth: true,
    query: TopIpsQuery,
    response: TopIps,
  }),
  ipPivot: route({
    operationId: "ipPivot",
    method: "get",
    path: "/v1/ips/{ip}",
    summary:
      "Everything about one IP: the threat events aimed at it, URLhaus URLs hosted on it, security-log " +
      "sightings, and the KEV entries these name",
    tag: "ips",
    auth: true,
    query: IpPivotQuery,
    params: IpPath,
    response: IpPivot,
  }),
  listKev: route({
    operationId: "listKev",
    method: "get",
    path: "/v1/kev",
    summary: "CISA KEV entries, newest additions first",
    tag: "kev",
    auth: true,
    query: KevListQuery,
    response: KevPage,
  }),
  getCve: route({
    operationId: "getCve",
    method: "get",
    path: "/v1/kev/{cve}",
    summary: "One KEV entry with every change CISA made to it",
    tag: "kev",
    auth: true,
    query: NoQuery,
    params: CvePath,
    response: CveDetail,
    notFound: true,
  }),
  listUrls: route({
    operationId: "listUrls",
    method: "get",
    path: "/v1/urls",
    summary: "URLhaus URLs, newest additions first",
    tag: "urls",
    auth: true,
    query: UrlListQuery,
    response: UrlPage,
  }),
  graphNeighbourhood: route({
    operationId: "graphNeighbourhood",
    method: "get",
    path: "/v1/graph",
    summary: "The threat graph around one node, up to 3 hops, bounded in size",
    tag: "graph",
    auth: true,
    query: GraphQuery,
    response: Neighbourhood,
    notFound: true,
  }),
  pipelineStatus: route({
    operationId: "pipelineStatus",
    method: "get",
    path: "/v1/pipeline",
    summary: "Rows per table, the last feed runs, dead-letter depth and consumer lag",
    tag: "pipeline",
    auth: true,
    query: NoQuery,
    response: PipelineStatus,
  }),
} satisfies Record<string, ApiRoute>;

export type ApiRouteName = keyof typeof API_ROUTES;
