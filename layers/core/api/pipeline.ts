import { deadLetterTopic, EVENT_TOPICS } from "../topology";
import { z } from "./zod";

/**
 * The consumer groups of the Kafka-triggered functions (serverless.yml's `consumerGroupId`s; a unit test
 * keeps the two lists equal), whose lag the status route reports.
 */
export const CONSUMER_GROUPS: ReadonlyArray<{ group: string; topic: string; fn: string }> = [
  { group: "vigil-ingest-events", topic: "threat.events", fn: "ingest-events" },
  { group: "vigil-ingest-urlhaus-events", topic: "urlhaus.events", fn: "ingest-events" },
  { group: "vigil-graph-events", topic: "threat.events", fn: "graph-events" },
  { group: "vigil-graph-urlhaus-events", topic: "urlhaus.events", fn: "graph-events" },
];

/** The dead-letter topics whose depth the status route reports. */
export const DEAD_LETTER_TOPICS: readonly string[] = EVENT_TOPICS.map(deadLetterTopic);

/** The tables whose size the status route reports (schema, table): a fixed list, never a parameter. */
export const PIPELINE_TABLES: ReadonlyArray<readonly [string, string]> = [
  ["raw", "threat_events"],
  ["raw", "urlhaus_events"],
  ["raw", "urlhaus_urls"],
  ["raw", "kev_vulnerabilities"],
  ["raw", "kev_changes"],
  ["raw", "kev_catalogs"],
  ["silver", "security_events"],
  ["ops", "feed_runs"],
];

/** Above this many rows (by the planner's estimate) a table's count is the estimate, not a full scan. */
export const EXACT_COUNT_UP_TO = 200_000;

/** One partition's offsets as Kafka reports them; `committed` is null when the group committed none. */
export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
  committed: number | null;
}

/**
 * A group's lag on one topic: per partition, the messages between its committed offset and the high
 * watermark. A partition the group never committed starts at the oldest retained message (the functions'
 * `startingPosition: TRIM_HORIZON`), so all of it is lag.
 */
export function consumerLag(partitions: readonly PartitionOffsets[]): {
  lag: number;
  partitions: { partition: number; committed: number | null; high: number; lag: number }[];
} {
  const rows = [...partitions]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => ({
      partition: p.partition,
      committed: p.committed,
      high: p.high,
      lag: Math.max(0, p.high - Math.max(p.committed ?? p.low, p.low)),
    }));
  return { lag: rows.reduce((n, r) => n + r.lag, 0), partitions: rows };
}

/**
 * A feed run still open this long after it started was stopped before it could record how it ended (a
 * timeout, a crash, a stack shut down mid-run): no Lambda function runs longer than 15 minutes. The status
 * shows it as `interrupted`, not as running for ever.
 */
export const FEED_RUN_INTERRUPTED_AFTER_MINUTES = 15;

const FeedRun = z.object({
  run_id: z.number().int(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  outcome: z
    .string()
    .describe(
      "loaded, unchanged, not_modified, rejected, failed; running while under way, interrupted when still " +
        `open ${FEED_RUN_INTERRUPTED_AFTER_MINUTES} minutes after it started (stopped before it could record ` +
        "its outcome)",
    ),
  http_status: z.number().int().nullable(),
  records: z.number().int().nullable(),
  added: z.number().int().nullable(),
  changed: z.number().int().nullable(),
  removed: z.number().int().nullable(),
  rejected: z.number().int().nullable(),
  version: z.string().nullable(),
  error: z.string().nullable(),
});
export type FeedRun = z.output<typeof FeedRun>;

export const TableSize = z.object({
  table: z.string(),
  exists: z.boolean(),
  rows: z.number().int().nullable(),
  estimated: z.boolean().describe(`true above ${EXACT_COUNT_UP_TO} rows: the planner's estimate`),
});
export type TableSize = z.output<typeof TableSize>;

export const PipelineStatus = z
  .object({
    data: z.object({
      tables: z.array(TableSize),
      feeds: z.array(
        z.object({
          source: z.string(),
          last_run: FeedRun,
          last_success: FeedRun.nullable().describe("The newest run that loaded or found nothing new"),
        }),
      ),
      dead_letters: z.array(
        z.object({
          topic: z.string(),
          written: z.number().int().describe("Messages ever written (sum of high watermarks)"),
          retained: z.number().int().describe("Messages still held (high minus low watermarks)"),
        }),
      ),
      consumers: z.array(
        z.object({
          group: z.string(),
          topic: z.string(),
          function: z.string(),
          lag: z.number().int(),
          partitions: z.array(
            z.object({
              partition: z.number().int(),
              committed: z.number().int().nullable(),
              high: z.number().int(),
              lag: z.number().int(),
            }),
          ),
        }),
      ),
    }),
    meta: z.object({
      unavailable: z.array(z.enum(["postgres", "kafka"])).describe("Sources that did not answer"),
      generated_at: z.string(),
    }),
  })
  .openapi("PipelineStatus");
