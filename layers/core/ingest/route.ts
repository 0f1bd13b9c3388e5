import type { z } from "zod";
import { type IngestDeps, type IngestSummary, ingestBatch } from "./ingest-batch";
import { type LambdaKafkaEvent, recordsOf } from "./kafka-records";

/** How one topic is ingested: its payload schema and its sinks. */
export interface TopicRoute<S extends z.ZodTypeAny = z.ZodTypeAny> {
  schema: S;
  deps: IngestDeps<z.output<S>>;
}

/**
 * Ingests a Lambda Kafka event whose records may come from several topics, each with its own schema and
 * table. A record of a topic without a route is a deployment error (the function subscribed to a topic it
 * does not know), so it fails the batch loudly rather than being dropped.
 */
export async function ingestByTopic(
  routes: Record<string, TopicRoute>,
  event: LambdaKafkaEvent,
): Promise<Record<string, IngestSummary>> {
  const topics = [...new Set(recordsOf(event).map((r) => r.topic))];
  const summaries: Record<string, IngestSummary> = {};
  for (const topic of topics) {
    const route = routes[topic];
    if (!route)
      throw new Error(`no ingest route for topic "${topic}" (known: ${Object.keys(routes).join(", ")})`);
    const records = Object.fromEntries(
      Object.entries(event.records).filter(([, list]) => list.some((r) => r.topic === topic)),
    );
    summaries[topic] = await ingestBatch(route.deps, { ...event, records }, route.schema);
  }
  return summaries;
}
