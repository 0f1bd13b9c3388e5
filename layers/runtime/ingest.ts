import { kafkaDeadLetters } from "../adapters/kafka/dead-letters";
import { threatEventTable, urlhausEventTable } from "../adapters/postgres/event-tables";
import { s3Bronze } from "../adapters/s3/bronze";
import { ThreatEventSchema } from "../core/events/threat-event";
import { UrlhausEventSchema } from "../core/events/urlhaus-event";
import type { TopicRoute } from "../core/ingest/route";
import { settings } from "./config";
import { kafkaProducer } from "./kafka";
import { postgres } from "./postgres";
import { s3Client } from "./s3";

/** The ingest routes of this container: each topic's schema, bronze, dead-letter topic and table. */
export async function ingestRoutes(): Promise<Record<string, TopicRoute>> {
  const { pool } = postgres();
  const bronze = s3Bronze(s3Client(), settings().BRONZE_BUCKET);
  const deadLetters = kafkaDeadLetters(await kafkaProducer());
  return {
    "threat.events": {
      schema: ThreatEventSchema,
      deps: { bronze, deadLetters, events: threatEventTable(pool) },
    },
    "urlhaus.events": {
      schema: UrlhausEventSchema,
      deps: { bronze, deadLetters, events: urlhausEventTable(pool) },
    },
  };
}
