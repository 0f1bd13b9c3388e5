import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { API_ROUTES } from "../../layers/core/api/routes";
import { checkDependencies } from "../../layers/core/health";
import { settings } from "../../layers/runtime/config";
import { lambdaHandler } from "../../layers/runtime/handler";
import { httpErrors, json, validateRequest } from "../../layers/runtime/http";
import { neo4jDriver } from "../../layers/runtime/neo4j";
import { postgres } from "../../layers/runtime/postgres";
import { s3Client } from "../../layers/runtime/s3";

/**
 * GET /health — open, no key: whether each backing service answers. 200 when all do, else 503. It takes no
 * parameter: one is a 400, a query string over the limit a 414, before any service is asked.
 */
async function main() {
  const checks = await checkDependencies({
    postgres: async () => void (await postgres().pool.query("SELECT 1")),
    neo4j: () =>
      neo4jDriver()
        .verifyConnectivity()
        .then(() => undefined),
    s3: async () => void (await s3Client().send(new HeadBucketCommand({ Bucket: settings().BRONZE_BUCKET }))),
  });
  const ok = checks.every((check) => check.ok);
  return json(ok ? 200 : 503, { status: ok ? "ok" : "degraded", checks });
}

export const handler = lambdaHandler(main).use(httpErrors()).use(validateRequest(API_ROUTES.health));
