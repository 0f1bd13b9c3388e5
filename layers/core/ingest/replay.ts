import type { z } from "zod";
import { type ThreatEvent, ThreatEventSchema } from "../events/threat-event";
import { type GraphEvent, type ThreatGraph, toGraphEvent } from "../graph/threat-graph";
import { describeIssues } from "./decode";
import type { EventSink, IngestedRecord } from "./ingest-batch";

/** Port: reading bronze back. */
export interface BronzeReader {
  /** Keys of the event objects of `topic` whose dt= partition lies in [from, to] (YYYY-MM-DD, inclusive). */
  listEventObjects(topic: string, from: string, to: string): Promise<string[]>;
  readJsonLines(key: string): Promise<unknown[]>;
}

/** One bronze line: the event as produced and its Kafka coordinates. */
interface BronzeLine {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
}

export interface ReplayDeps {
  bronze: BronzeReader;
  events: EventSink<ThreatEvent>;
  graph: ThreatGraph;
  progress?: (done: { objects: number; of: number; records: number }) => void;
}

/**
 * Rebuilds `raw.threat_events` and the threat graph from bronze alone, for the objects of a date range.
 * Idempotent: the same keyed upsert and MERGE as live ingest, so replaying twice, or over live data,
 * changes nothing; a line seen twice (a batch cut differently on a retry) is deduplicated by the upsert.
 */
export async function replayThreatEvents(
  deps: ReplayDeps,
  range: { from: string; to: string },
  schema: z.ZodType<ThreatEvent> = ThreatEventSchema,
): Promise<{ objects: number; records: number }> {
  const keys = await deps.bronze.listEventObjects("threat.events", range.from, range.to);
  let records = 0;
  for (const [index, key] of keys.entries()) {
    const lines = (await deps.bronze.readJsonLines(key)) as BronzeLine[];
    const ingested: IngestedRecord<ThreatEvent>[] = [];
    const graph: GraphEvent[] = [];
    for (const line of lines) {
      const parsed = schema.safeParse(line.value);
      // Bronze holds only records that passed validation when they arrived; one that fails now means the
      // schema changed incompatibly, which must stop the replay rather than silently drop history.
      if (!parsed.success) {
        throw new Error(
          `${key} offset ${line.offset}: no longer valid: ${describeIssues(parsed.error, line.value)}`,
        );
      }
      const origin = {
        topic: line.topic,
        partition: line.partition,
        offset: line.offset,
        timestamp: line.timestamp,
        key: line.key,
      };
      ingested.push({ origin, event: parsed.data, raw: line.value, bronzeKey: key });
      graph.push(toGraphEvent(parsed.data, origin));
    }
    if (ingested.length > 0) {
      await deps.events.upsert(ingested);
      await deps.graph.mergeEvents(graph);
    }
    records += lines.length;
    deps.progress?.({ objects: index + 1, of: keys.length, records });
  }
  return { objects: keys.length, records };
}
