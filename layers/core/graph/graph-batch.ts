import { instantMicros } from "../events/rules";
import { ThreatEventSchema } from "../events/threat-event";
import { decodeRecord } from "../ingest/decode";
import { latestPerKey } from "../ingest/dedupe";
import { type LambdaKafkaEvent, recordsOf } from "../ingest/kafka-records";
import { type ThreatGraph, toGraphEvent } from "./threat-graph";

/**
 * Merges a Kafka batch of threat events into the graph. Poison records are skipped here: ingest-events
 * dead-letters them, and the graph must not hold what Postgres refused.
 */
export async function graphBatch(
  graph: ThreatGraph,
  event: LambdaKafkaEvent,
): Promise<{ merged: number; skipped: number }> {
  const decoded = recordsOf(event).map((r) => decodeRecord(r, ThreatEventSchema));
  const valid = decoded.flatMap((d) => (d.kind === "valid" ? [toGraphEvent(d.event, d.origin)] : []));
  const newest = latestPerKey(
    valid,
    (e) => e.event_id,
    (e) => [instantMicros(String(e.props.ts)), Number(e.props.kafka_offset)],
  );
  await graph.mergeEvents(newest);
  return { merged: newest.length, skipped: decoded.length - valid.length };
}
