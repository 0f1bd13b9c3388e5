import { kafkaDeadLetters } from "../adapters/kafka/dead-letters";
import { threatEventTable, urlhausEventTable } from "../adapters/postgres/event-tables";
import { s3Bronze } from "../adapters/s3/bronze";
import { ThreatEventSchema } from "../core/events/threat-event";
import { UrlhausEventSchema } from "../core/events/urlhaus-event";
import type { TopicRoute } from "../core/ingest/route";
import { clients, kafkaProducer } from "./clients";
import { settings } from "./config";

/** The ingest routes of this container: each topic's schema, bronze, dead-letter topic and table. */
export async function ingestRoutes(): Promise<Record<string, TopicRoute>> {
  const c = clients();
  const bronze = s3Bronze(c.s3, settings().BRONZE_BUCKET);
  const deadLetters = kafkaDeadLetters(await kafkaProducer());
  return {
    "threat.events": {
      schema: ThreatEventSchema,
      deps: { bronze, deadLetters, events: threatEventTable(c.pool) },
    },
    "urlhaus.events": {
      schema: UrlhausEventSchema,
      deps: { bronze, deadLetters, events: urlhausEventTable(c.pool) },
    },
  };
}
