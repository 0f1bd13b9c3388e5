import { cvesNamedIn } from "../cve";
import { threatEventExtra } from "../events/rows";
import { utcMicrosText } from "../events/rules";
import type { ThreatEvent } from "../events/threat-event";
import type { RecordOrigin } from "../ingest/kafka-records";
import { canonicalIp } from "../ip";

/**
 * What the graph keeps of one threat event: (Actor)-[:GENERATED]->(ThreatEvent)-[:TARGETED]->(IPAddress),
 * and (ThreatEvent)-[:MENTIONS]->(Vulnerability {cve}) for each CVE id its message or extra fields name.
 */
export interface GraphEvent {
  event_id: string;
  actor: string | null;
  ip: string | null;
  /** The CVE ids the event names, upper-cased and sorted (the IP pivot links the same ones to KEV). */
  cves: string[];
  /** The ThreatEvent node's properties: the event's own fields (ts in UTC) and its Kafka offset. */
  props: Record<string, string | number>;
}

/** Port: the threat graph. Idempotent: merging the same events again changes nothing. */
export interface ThreatGraph {
  mergeEvents(events: readonly GraphEvent[]): Promise<void>;
}

/** The event's own fields a ThreatEvent node keeps, beside its id, its time and its Kafka coordinates. */
const NODE_FIELDS = ["type", "msg", "tactic", "country", "channel", "score"] as const;

/** Every property a ThreatEvent node can have: a newer version of the event replaces all of them. */
export const THREAT_EVENT_PROPERTIES = [
  "event_id",
  "ts",
  "kafka_partition",
  "kafka_offset",
  ...NODE_FIELDS,
] as const;

/**
 * The graph form of an event; `ts` normalised to UTC with microseconds, so string order is time order in
 * Cypher to the precision Postgres compares versions at.
 */
export function toGraphEvent(event: ThreatEvent, origin: RecordOrigin): GraphEvent {
  const props: Record<string, string | number> = {
    event_id: event.event_id,
    ts: utcMicrosText(event.ts),
    kafka_partition: origin.partition,
    kafka_offset: origin.offset,
  };
  for (const field of NODE_FIELDS) {
    const value = event[field];
    if (value !== undefined) props[field] = value;
  }
  // The IP in one spelling, so that each address is one node whatever the producer wrote (and the node the
  // API's pivot, which writes it so, links to).
  const ip = event.ip === undefined ? null : canonicalIp(event.ip);
  // Where the IP pivot looks for them too: the message and the fields beyond the schema's own.
  const cves = cvesNamedIn([event.msg ?? "", JSON.stringify(threatEventExtra(event))]);
  return { event_id: event.event_id, actor: event.actor ?? null, ip, cves, props };
}

/**
 * The keys one batch locks, each list sorted and without repeats: writers that take locks in one global
 * order cannot deadlock each other (two batches sharing actors or IPs otherwise can).
 */
export function lockOrder(events: readonly GraphEvent[]): {
  actors: string[];
  ips: string[];
  cves: string[];
  events: GraphEvent[];
} {
  const sorted = <T>(values: Iterable<T>) => [...new Set(values)].sort();
  return {
    actors: sorted(events.flatMap((e) => (e.actor ? [e.actor] : []))),
    ips: sorted(events.flatMap((e) => (e.ip ? [e.ip] : []))),
    cves: sorted(events.flatMap((e) => e.cves)),
    events: [...events].sort((a, b) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0)),
  };
}
