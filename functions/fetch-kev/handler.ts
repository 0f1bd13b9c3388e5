import { runKevFetch } from "../../layers/core/feeds/kev-run";
import { settings } from "../../layers/runtime/config";
import { kevRunDeps } from "../../layers/runtime/feeds";
import { lambdaHandler } from "../../layers/runtime/handler";
import { logger } from "../../layers/runtime/logger";

/**
 * Scheduled: CISA KEV → bronze snapshot (once per catalogVersion) → Neo4j and raw.kev_vulnerabilities with
 * its change history. Returns the run summary (also in ops.feed_runs); a rejected or failed run throws
 * after it is recorded.
 */
async function main() {
  const summary = await runKevFetch(kevRunDeps(), settings().KEV_FEED_URL);
  logger.info(`kev: ${summary.outcome}`, { summary });
  return summary;
}

export const handler = lambdaHandler(main);
