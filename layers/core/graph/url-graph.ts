import { isIP } from "node:net";
import { cvesNamedIn } from "../cve";
import { type UrlhausEvent, UrlhausEventSchema } from "../events/urlhaus-event";
import { decodeRecord } from "../ingest/decode";
import { latestPerKey } from "../ingest/dedupe";
import { type LambdaKafkaEvent, recordsOf } from "../ingest/kafka-records";
import { canonicalIp } from "../ip";

/**
 * What the graph keeps of a URLhaus URL: (URL {value})-[:HOSTED_ON]->(Host), and
 * (URL)-[:MENTIONS]->(Vulnerability {cve}) for each CVE id its address or tags name (reporters tag exploit
 * payloads with the CVE they exploit: `CVE-2017-17215`).
 */
export interface GraphUrl {
  url: string;
  host: string;
  /** An IP literal host is the shared IPAddress node. */
  hostIsIp: boolean;
  /** The CVE ids the URL or its tags name, upper-cased and sorted (the IP pivot links the same ones). */
  cves: string[];
  props: Record<string, string | number | string[]>;
}

/** Port: the URL side of the threat graph. Idempotent, and an older change never overwrites a newer one. */
export interface UrlGraph {
  mergeUrls(urls: readonly GraphUrl[]): Promise<void>;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** Whether a URL's host is an IP literal (hosts come without brackets or port). */
export const isIpLiteral = (host: string) =>
  IPV4.test(host) || (host.includes(":") && /^[0-9a-f:.]+$/i.test(host));

/** The change's revision, from its `urlhaus:<id>:r<revision>` event id (0 when the id has another form). */
export const revisionOf = (eventId: string) => Number(/:r(\d+)$/.exec(eventId)?.[1] ?? 0);

export function toGraphUrl(event: UrlhausEvent): GraphUrl {
  const props: GraphUrl["props"] = {
    urlhaus_id: event.urlhaus_id,
    status: event.url_status,
    tags: event.tags,
    revision: revisionOf(event.event_id),
    last_change: event.change,
    last_change_ts: new Date(event.ts).toISOString(),
  };
  if (event.threat) props.threat = event.threat;
  if (event.reporter) props.reporter = event.reporter;
  if (event.date_added) props.date_added = new Date(event.date_added).toISOString();
  if (event.last_online) props.last_online = new Date(event.last_online).toISOString();
  const hostIsIp = isIpLiteral(event.host);
  // An IP host in the spelling the threat events' IPAddress nodes have, so both reach the same node.
  const host = hostIsIp && isIP(event.host) !== 0 ? canonicalIp(event.host) : event.host.toLowerCase();
  return { url: event.url, host, hostIsIp, cves: cvesNamedIn([event.url, ...event.tags]), props };
}

/**
 * Merges a Kafka batch of `urlhaus.events` into the graph, the newest change per URL. Poison records are
 * skipped: ingest-events dead-letters them.
 */
export async function urlGraphBatch(
  graph: UrlGraph,
  event: LambdaKafkaEvent,
): Promise<{ merged: number; skipped: number }> {
  const decoded = recordsOf(event).map((r) => decodeRecord(r, UrlhausEventSchema));
  const valid = decoded.flatMap((d) => (d.kind === "valid" ? [d.event] : []));
  const newest = latestPerKey(
    valid.map(toGraphUrl),
    (u) => u.url,
    (u) => [Number(u.props.revision), Date.parse(String(u.props.last_change_ts))],
  );
  await graph.mergeUrls(newest);
  return { merged: newest.length, skipped: decoded.length - valid.length };
}
