import { pipelineStatus } from "../../layers/core/api/investigations";
import { API_ROUTES } from "../../layers/core/api/routes";
import { pipelineProbes } from "../../layers/runtime/api";
import { apiHandler } from "../../layers/runtime/http";
import { logger } from "../../layers/runtime/logger";

/** GET /v1/pipeline — rows per table, last feed runs, dead-letter depth, consumer lag (partial on outages). */
export const status = apiHandler(API_ROUTES.pipelineStatus, async () => {
  const { failures, ...body } = await pipelineStatus(pipelineProbes());
  for (const { source, error } of failures)
    logger.warn("pipeline status: a source did not answer", { source, error: String(error) });
  return body;
});
