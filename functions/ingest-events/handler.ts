import type { LambdaKafkaEvent } from "../../layers/core/ingest/kafka-records";
import { ingestByTopic } from "../../layers/core/ingest/route";
import { lambdaHandler } from "../../layers/runtime/handler";
import { ingestRoutes } from "../../layers/runtime/ingest";
import { logger } from "../../layers/runtime/logger";

/**
 * Kafka (threat.events, urlhaus.events) → bronze + Postgres, poison → `<topic>.dlq`. Returns only after
 * every durable write; a thrown error fails the batch, so Lambda retries it with nothing committed.
 */
async function main(event: LambdaKafkaEvent) {
  const summary = await ingestByTopic(await ingestRoutes(), event);
  logger.info("batch ingested", { summary });
  return summary;
}

export const handler = lambdaHandler(main);
