import type middy from "@middy/core";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { VigilError } from "../core/errors";
import { logger } from "./logger";

/** A JSON response with the headers every route sends. */
export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    body: JSON.stringify(body),
  };
}

/**
 * The HTTP edge's one error mapping (after middy's http-error-handler): a VigilError below 500 is the
 * caller's to fix and is shown; anything else is logged in full and answered with a bare status, so a
 * 5xx never leaks internals.
 */
export function httpErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof VigilError && error.status < 500) {
        request.response = json(error.status, { error: error.reason, message: error.message });
        return;
      }
      const status = error instanceof VigilError ? error.status : 500;
      logger.error("request failed", {
        path: request.event.rawPath,
        error:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      });
      request.response = json(status, { error: status === 503 ? "service_unavailable" : "internal_error" });
    },
  };
}
