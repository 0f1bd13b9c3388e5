import { runUrlhausFetch } from "../../layers/core/feeds/urlhaus-run";
import { settings } from "../../layers/runtime/config";
import { urlhausHeaders, urlhausRunDeps } from "../../layers/runtime/feeds";
import { lambdaHandler } from "../../layers/runtime/handler";
import { logger } from "../../layers/runtime/logger";

/**
 * Scheduled: abuse.ch URLhaus → bronze snapshot → `urlhaus.events` (new URLs and status or tag changes
 * only) → raw.urlhaus_urls. Returns the run summary (also in ops.feed_runs).
 */
async function main() {
  const summary = await runUrlhausFetch(
    await urlhausRunDeps(),
    settings().URLHAUS_FEED_URL,
    await urlhausHeaders(),
  );
  logger.info(`urlhaus: ${summary.outcome}`, { summary });
  return summary;
}

export const handler = lambdaHandler(main);
