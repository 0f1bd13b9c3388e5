import { ingestS3Event } from "../../layers/core/security-logs/ingest-log-object";
import { lambdaHandler } from "../../layers/runtime/handler";
import { logSummary, securityLogDeps, securityLogOptions } from "../../layers/runtime/security-logs";

/**
 * S3 `ObjectCreated` under raw-logs/ → silver.security_events, exactly once per object version, then the
 * detection rules and the graph. A service failure throws (the delivery is retried and resumes where it
 * stopped); a file that can never load is refused, recorded and quarantined, and the invocation succeeds.
 */
async function main(event: unknown) {
  const summaries = await ingestS3Event(securityLogDeps(), event, securityLogOptions());
  for (const s of summaries) logSummary(s);
  return summaries;
}

export const handler = lambdaHandler(main);
