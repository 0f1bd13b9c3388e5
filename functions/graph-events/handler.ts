import { neo4jUrlGraph } from "../../layers/adapters/neo4j/feed-graph";
import { neo4jThreatGraph } from "../../layers/adapters/neo4j/threat-graph";
import { graphBatch } from "../../layers/core/graph/graph-batch";
import { urlGraphBatch } from "../../layers/core/graph/url-graph";
import { byTopic, type LambdaKafkaEvent } from "../../layers/core/ingest/kafka-records";
import { lambdaHandler } from "../../layers/runtime/handler";
import { logger } from "../../layers/runtime/logger";
import { neo4jDriver } from "../../layers/runtime/neo4j";

/**
 * Kafka → Neo4j. threat.events: (Actor)-[:GENERATED]->(ThreatEvent)-[:TARGETED]->(IPAddress);
 * urlhaus.events: (URL)-[:HOSTED_ON]->(Host), IP hosts being the same IPAddress nodes.
 */
async function main(event: LambdaKafkaEvent) {
  const driver = neo4jDriver();
  const summary = await byTopic(event, {
    "threat.events": (batch) => graphBatch(neo4jThreatGraph(driver), batch),
    "urlhaus.events": (batch) => urlGraphBatch(neo4jUrlGraph(driver), batch),
  });
  logger.info("batch merged into the graph", { summary });
  return summary;
}

export const handler = lambdaHandler(main);
