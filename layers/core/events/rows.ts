import type { IngestedRecord } from "../ingest/ingest-batch";
import { THREAT_EVENT_FIELDS, type ThreatEvent } from "./threat-event";
import type { UrlhausEvent } from "./urlhaus-event";

const kafkaColumns = (r: IngestedRecord<unknown>) => ({
  kafka_topic: r.origin.topic,
  kafka_partition: r.origin.partition,
  kafka_offset: r.origin.offset,
  kafka_timestamp: new Date(r.origin.timestamp).toISOString(),
  bronze_key: r.bronzeKey,
});

const extraOf = (event: Record<string, unknown>, known: readonly string[]) =>
  Object.fromEntries(Object.entries(event).filter(([k]) => !known.includes(k)));

/** The fields of a threat event beyond the schema's own (the row's `extra`). */
export const threatEventExtra = (e: ThreatEvent) => extraOf(e, THREAT_EVENT_FIELDS as string[]);

/** The `raw.threat_events` row of an ingested event: its fields, the unknown ones in `extra`, its origin. */
export function threatEventRow(r: IngestedRecord<ThreatEvent>) {
  const e = r.event;
  return {
    event_id: e.event_id,
    ts: e.ts,
    type: e.type ?? null,
    msg: e.msg ?? null,
    actor: e.actor ?? null,
    ip: e.ip ?? null,
    tactic: e.tactic ?? null,
    score: e.score ?? null,
    country: e.country ?? null,
    channel: e.channel ?? null,
    extra: threatEventExtra(e),
    ...kafkaColumns(r),
  };
}

const URLHAUS_FIELDS = [
  "event_id",
  "ts",
  "change",
  "urlhaus_id",
  "url",
  "host",
  "url_status",
  "threat",
  "tags",
  "date_added",
  "last_online",
  "reporter",
];

/** The `raw.urlhaus_events` row of an ingested URLhaus change event. */
export function urlhausEventRow(r: IngestedRecord<UrlhausEvent>) {
  const e = r.event;
  return {
    event_id: e.event_id,
    ts: e.ts,
    change: e.change,
    urlhaus_id: e.urlhaus_id,
    url: e.url,
    host: e.host,
    url_status: e.url_status,
    threat: e.threat ?? null,
    tags: e.tags,
    date_added: e.date_added ?? null,
    last_online: e.last_online ?? null,
    reporter: e.reporter ?? null,
    extra: extraOf(e, URLHAUS_FIELDS),
    ...kafkaColumns(r),
  };
}
