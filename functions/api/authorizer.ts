import type { APIGatewayRequestAuthorizerEventV2 } from "aws-lambda";
import { matchApiKey } from "../../layers/core/api/api-keys";
import { apiKeys } from "../../layers/runtime/api";
import { lambdaHandler } from "../../layers/runtime/handler";
import { logger } from "../../layers/runtime/logger";

/**
 * The HTTP API's request authorizer (simple responses): the `x-api-key` header against the keys in the
 * API keys secret. API Gateway answers 401 itself when the header is missing; a wrong key is refused
 * with "Unauthorized", which the gateway also turns into 401. The key itself is never logged.
 */
async function main(event: APIGatewayRequestAuthorizerEventV2) {
  const presented = event.identitySource?.[0] ?? event.headers?.["x-api-key"];
  let keys: string[];
  try {
    keys = await apiKeys.get();
  } catch (error) {
    logger.error("authorizer: the API keys cannot be read", { error: (error as Error).message });
    throw new Error("Unauthorized");
  }
  const match = matchApiKey(presented, keys);
  if (!match) {
    logger.warn("authorizer: refused a request", { route: event.routeKey, keyPresented: Boolean(presented) });
    throw new Error("Unauthorized");
  }
  return { isAuthorized: true, context: { keyId: match.keyId } };
}

export const handler = lambdaHandler(main);
