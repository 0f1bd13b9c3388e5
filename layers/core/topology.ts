/**
 * The fixed names users rely on (DESIGN.md §3): topics with their dead-letter twins, the bronze prefixes
 * and the Postgres schemas. Infrastructure is created from these lists, so code and init never disagree.
 */
export const EVENT_TOPICS = ["threat.events", "urlhaus.events"] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** The dead-letter topic of a topic: `<topic>.dlq`. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** Every topic init creates: each event topic and its `.dlq` twin. */
export const ALL_TOPICS: readonly string[] = EVENT_TOPICS.flatMap((t) => [t, deadLetterTopic(t)]);

/** Partitions per topic: the unit of ordering and of parallel consumption. */
export const TOPIC_PARTITIONS = 3;

export const POSTGRES_SCHEMAS = ["raw", "silver", "staging", "marts", "ops"] as const;

export const BRONZE_PREFIXES = {
  feeds: "feeds/",
  events: "events/",
  quarantine: "quarantine/",
  rawLogs: "raw-logs/",
} as const;
