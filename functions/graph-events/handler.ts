import { neo4jThreatGraph } from "../../layers/adapters/neo4j/threat-graph";
import { graphBatch } from "../../layers/core/graph/graph-batch";
import type { LambdaKafkaEvent } from "../../layers/core/ingest/kafka-records";
import { clients } from "../../layers/runtime/clients";
import { lambdaHandler } from "../../layers/runtime/handler";
import { logger } from "../../layers/runtime/logger";

/** Kafka (threat.events) → Neo4j: (Actor)-[:GENERATED]->(ThreatEvent)-[:TARGETED]->(IPAddress). */
async function main(event: LambdaKafkaEvent) {
  const summary = await graphBatch(neo4jThreatGraph(clients().neo4j), event);
  logger.info("batch merged into the graph", summary);
  return summary;
}

export const handler = lambdaHandler(main);
