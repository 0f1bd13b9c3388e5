import type { APIGatewayProxyEventV2 } from "aws-lambda";

/**
 * A GET as an HTTP API (or serverless offline) hands it to a handler, payload 2.0, for calling the API's
 * handlers in process (the latency bench, tests of the middy chain): no query string is no
 * `queryStringParameters`, as API Gateway sends it.
 */
export function httpGetEvent(
  path: string,
  query: Record<string, string> = {},
  pathParameters?: Record<string, string>,
): APIGatewayProxyEventV2 {
  return {
    version: "2.0",
    routeKey: `GET ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters,
    isBase64Encoded: false,
    requestContext: { http: { method: "GET", path } },
  } as unknown as APIGatewayProxyEventV2;
}
