import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { checkDependencies } from "../../layers/core/health";
import { clients } from "../../layers/runtime/clients";
import { settings } from "../../layers/runtime/config";
import { lambdaHandler } from "../../layers/runtime/handler";
import { httpErrors, json } from "../../layers/runtime/http";

/** GET /health — open, no key: whether each backing service answers. 200 when all do, else 503. */
async function main() {
  const c = clients();
  const checks = await checkDependencies({
    postgres: async () => void (await c.pool.query("SELECT 1")),
    neo4j: () => c.neo4j.verifyConnectivity().then(() => undefined),
    s3: async () => void (await c.s3.send(new HeadBucketCommand({ Bucket: settings().BRONZE_BUCKET }))),
  });
  const ok = checks.every((check) => check.ok);
  return json(ok ? 200 : 503, { status: ok ? "ok" : "degraded", checks });
}

export const handler = lambdaHandler(main).use(httpErrors());
