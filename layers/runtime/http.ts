import type middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { invalidInput, MAX_QUERY_STRING_BYTES, repeatedParameter } from "../core/api/params";
import type { ApiRoute } from "../core/api/routes";
import { z } from "../core/api/zod";
import { InvalidInputError, VigilError } from "../core/errors";
import { lambdaHandler } from "./handler";
import { logger } from "./logger";

/** A response body already written as JSON text (by a route that splices JSON read as text): sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** A JSON response with the headers every route sends. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    body: body instanceof JsonText ? body.text : JSON.stringify(body),
  };
}

/**
 * The HTTP edge's one error mapping (middy's onError, for every API route): a VigilError below 500 is the
 * caller's to fix and is shown; anything else is logged in full and answered with a bare status and the
 * request's id (the log line carries it too), so a 5xx never leaks internals yet can be traced.
 */
export function httpErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof VigilError && error.status < 500) {
        const field = error instanceof InvalidInputError ? { field: error.field } : {};
        request.response = json(error.status, { error: error.reason, message: error.message, ...field });
        return;
      }
      const status = error instanceof VigilError ? error.status : 500;
      // The invocation's id, in the answer and in the log line: what a caller quotes is what finds the details.
      const requestId = request.context?.awsRequestId || undefined;
      logger.error("request failed", {
        path: request.event.rawPath,
        request_id: requestId,
        error:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      });
      request.response = json(status, {
        error: status === 503 ? "service_unavailable" : "internal_error",
        request_id: requestId,
      });
    },
  };
}

/** The parsed input of a validated route: its query and path parameters, as its schemas output them. */
export interface RouteInput<R extends ApiRoute> {
  query: z.output<R["query"]>;
  path: R["params"] extends z.AnyZodObject ? z.output<R["params"]> : Record<string, never>;
}

/** An HTTP API event after `validateRequest`: the raw event plus its parsed input. */
export type ValidatedEvent<R extends ApiRoute> = APIGatewayProxyEventV2 & { input: RouteInput<R> };

/**
 * The one request validation of every API route, before its handler and before any database work: a
 * query string over MAX_QUERY_STRING_BYTES is a 414; a parameter given twice, or query and path parameters
 * that the route's zod schemas refuse, a 400 naming the parameter and what was expected.
 */
export function validateRequest<R extends ApiRoute>(
  route: R,
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const accepted = Object.keys(route.query.shape);
  return {
    before: async (request) => {
      const event = request.event;
      const bytes = Buffer.byteLength(event.rawQueryString ?? "", "utf8");
      if (bytes > MAX_QUERY_STRING_BYTES) {
        throw new VigilError(`query string is ${bytes} bytes; at most ${MAX_QUERY_STRING_BYTES} are read`, {
          reason: "query_too_long",
          retryable: false,
          status: 414,
        });
      }
      const repeated = repeatedParameter(event.rawQueryString);
      if (repeated) throw repeated;
      // A NUL character can never be stored in Postgres text, so no value with one can match anything;
      // refused here, once, rather than failing deep inside a query.
      const raw = { ...event.queryStringParameters, ...event.pathParameters };
      for (const [name, value] of Object.entries(raw)) {
        if (value?.includes("\u0000")) throw new InvalidInputError(name, "must not contain a NUL character");
      }
      const query = route.query.safeParse(event.queryStringParameters ?? {});
      if (!query.success) throw invalidInput(query.error, accepted, event.queryStringParameters);
      const path = (route.params ?? EMPTY).safeParse(event.pathParameters ?? {});
      if (!path.success) throw invalidInput(path.error, [], event.pathParameters);
      (event as ValidatedEvent<R>).input = { query: query.data, path: path.data } as RouteInput<R>;
    },
  };
}

const EMPTY = z.object({});

/**
 * An API route's Lambda handler: `main` gets the validated input and returns the response body (200),
 * or throws — a VigilError below 500 is shown to the caller, anything else is a bare 5xx.
 */
export function apiHandler<R extends ApiRoute>(route: R, main: (input: RouteInput<R>) => Promise<unknown>) {
  return lambdaHandler(async (event: APIGatewayProxyEventV2) =>
    json(200, await main((event as ValidatedEvent<R>).input)),
  )
    .use(httpErrors())
    .use(validateRequest(route));
}
