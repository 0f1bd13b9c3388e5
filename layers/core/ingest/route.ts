import type { z } from "zod";
import { type IngestDeps, type IngestSummary, ingestBatch } from "./ingest-batch";
import { byTopic, type LambdaKafkaEvent } from "./kafka-records";

/** How one topic is ingested: its payload schema and its sinks. */
export interface TopicRoute<S extends z.ZodTypeAny = z.ZodTypeAny> {
  schema: S;
  deps: IngestDeps<z.output<S>>;
}

/** Ingests a Lambda Kafka event whose records may come from several topics, each with its own schema and table. */
export function ingestByTopic(
  routes: Record<string, TopicRoute>,
  event: LambdaKafkaEvent,
): Promise<Record<string, IngestSummary>> {
  const handlers = Object.fromEntries(
    Object.entries(routes).map(([topic, route]) => [
      topic,
      (batch: LambdaKafkaEvent) => ingestBatch(route.deps, batch, route.schema),
    ]),
  );
  return byTopic(event, handlers);
}
