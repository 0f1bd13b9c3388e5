import type pg from "pg";
import type { ApiKev } from "../../core/api/feeds";
import type { IpEvidence } from "../../core/api/investigations";
import { KEV_API_COLUMNS } from "./feed-search";
import { FEED_TABLES, type FeedTables } from "./feed-tables";
import { type EventListRecord, eventListQuery, eventListRow } from "./investigations";
import { bind, readRows } from "./read";

/**
 * A row of the evidence statement: one head row with the URLs, sightings, the CVEs detections tied to them
 * and those CVEs' KEV entries (as JSON, its event columns null), then the page's events as plain rows
 * (their evidence columns null).
 */
type EvidenceRow = EventListRecord & {
  urls: string | null;
  url_count: number | null;
  sightings: string | null;
  sighting_count: number | null;
  cves: string[] | null;
  cve_kev: ApiKev[] | null;
};
const EVIDENCE_COLUMNS = ["urls", "url_count", "sightings", "sighting_count", "cves", "cve_kev"] as const;

/**
 * URLhaus URLs, security-log sightings and KEV entries, as the IP pivot reads them. One statement, one round
 * trip, reads the events, URLs and sightings, each part one page off an index, with the CVEs detections
 * tied to those sightings and their KEV entries (a join on the key: nothing to search). The URLs and
 * sightings come as the JSON text stored with each row (migration 0009), never parsed here: writing them
 * with row_to_json at each read was half the statement's time. The events travel as plain rows,
 * not aggregated into JSON: json_agg renders every column of every row through its type's catalogue entry,
 * which doubled the statement's time. The KEV entries of CVE ids found in the text of the rows read take
 * a second statement (kevEntries), on a connection of its own: holding the first statement's connection
 * for it (pool.connect() … release() around both) cost every pivot 0.1–0.2 ms of handler CPU and raised
 * the hot pivot's p95 from 51–62 to 65–81 ms in interleaved runs. Searching the text in SQL instead cost more
 * than the trip (0.6 ms for 50 sightings), and ids found when each row is written (generated columns, a
 * rewrite of three tables) cost every pivot 0.05–0.1 ms more Postgres CPU, to read its events twice and
 * join KEV.
 */
export function postgresIpEvidence(pool: pg.Pool, t: FeedTables = FEED_TABLES): IpEvidence {
  // The statement's text depends only on the events' SQL (which filters and placeholders it has), so each
  // shape is written once, and the pool finds its prepared statement without hashing a new text each time.
  const statements = new Map<string, string>();
  return {
    async ofIp(ip, hosts, page) {
      const values: unknown[] = [];
      const events = eventListQuery({ ip }, page.after, page.limit + 1, values, {
        extra: true,
        sortTs: true,
      });
      const params = {
        ip: bind(values, ip),
        hosts: bind(values, [...hosts]),
        limit: bind(values, page.limit),
      };
      let text = statements.get(events.sql);
      if (text === undefined) {
        text = evidenceStatement(t, events, params);
        statements.set(events.sql, text);
      }
      const rows = await readRows<EvidenceRow>(pool, "reading the evidence of an IP", text, values);
      const [head, ...eventRows] = rows;
      if (!head || head.event_id !== null) throw new Error("the IP evidence query returned no head row");
      return {
        events: eventRows.map(eventListRow),
        urls: { text: head.urls ?? "[]", count: head.url_count ?? 0 },
        sightings: {
          state: { available: true },
          rows: { text: head.sightings ?? "[]", count: head.sighting_count ?? 0 },
          cves: head.cves ?? [],
          kev: head.cve_kev ?? [],
        },
      };
    },

    async kevEntries(cves) {
      return readRows<ApiKev>(
        pool,
        "reading KEV entries",
        `SELECT ${KEV_API_COLUMNS} FROM ${t.kevVulnerabilities} WHERE cve_id = ANY($1::text[]) ORDER BY cve_id`,
        [cves],
      );
    },
  };
}

/**
 * The evidence statement around the events' query, `p` naming the placeholders of the IP, its host names and
 * the evidence's limit. The URLs are the newest of each host name (one or two: the IP as asked and in
 * canonical form) and the sightings the newest with the IP as source and as destination (a row with both
 * counted once), each read off its index in page order (migration 0008) and merged, so a pivot reads at most
 * twice its limit however many the IP has. The host is matched as the range BETWEEN h.host AND h.host, and
 * the URLs sorted by it first: with `=` the generic plan may walk the date index (the URL list's) and filter
 * on the host, which its estimate favours when few hosts hold the URLs, rows written in date order, and which
 * for a host of no URL reads every URL (4 ms at 10,000); the range's fixed estimate and the sort that only
 * the host index gives leave that index the one plan. The CVEs detections tied to the sightings shown (0007's
 * index) come once each, with their KEV entries looked up by key. An aggregate keeps each part's order only
 * when told: every part names its own sort again. The URLs' and sightings' JSON is each row's `api_json`,
 * joined into an array as text (json_agg would take each as json, parsed again to be checked). The evidence
 * is the head row (event columns null; NULLS FIRST puts it first), then one row per event. UNION ALL under
 * the events' own order lets Postgres merge the two (Merge Append) along the index instead of sorting the
 * page again: a third less of the statement's time than a FULL JOIN … ON false and a sort.
 */
function evidenceStatement(
  t: FeedTables,
  events: { sql: string; columns: string[] },
  p: { ip: string; hosts: string; limit: string },
): string {
  const shown = events.columns.filter((c) => c !== "sort_ts");
  return `WITH events AS (${events.sql}),
    urls AS (
      SELECT u.* FROM unnest(${p.hosts}::text[]) AS h(host) CROSS JOIN LATERAL (
        SELECT x.date_added AS sort_added, x.urlhaus_id AS sort_id, x.api_json AS url
          FROM ${t.urlhausUrls} AS x
         WHERE x.host BETWEEN h.host AND h.host
         ORDER BY x.host, x.date_added DESC, x.urlhaus_id DESC LIMIT ${p.limit}) AS u
       ORDER BY u.sort_added DESC, u.sort_id DESC LIMIT ${p.limit}),
    sightings AS (
      SELECT s.event_key, s.event_time, s.api_json AS row FROM (
        (SELECT event_key, event_time, api_json FROM silver.security_events WHERE source_ip = ${p.ip}::text::inet
          ORDER BY event_time DESC, event_key DESC LIMIT ${p.limit})
        UNION ALL
        (SELECT event_key, event_time, api_json FROM silver.security_events WHERE destination_ip = ${p.ip}::text::inet
            AND source_ip IS DISTINCT FROM ${p.ip}::text::inet
          ORDER BY event_time DESC, event_key DESC LIMIT ${p.limit})) AS s
       ORDER BY s.event_time DESC, s.event_key DESC LIMIT ${p.limit}),
    detected AS (
      SELECT DISTINCT d.cve_id FROM silver.detections AS d
       WHERE d.cve_id IS NOT NULL AND d.evidence_event_keys && ARRAY(SELECT s.event_key FROM sightings AS s)),
    evidence AS (
      SELECT
        (SELECT '[' || coalesce(string_agg(u.url, ',' ORDER BY u.sort_added DESC, u.sort_id DESC), '') || ']'
           FROM urls AS u) AS urls,
        (SELECT count(*)::int FROM urls) AS url_count,
        (SELECT '[' || coalesce(string_agg(s.row, ',' ORDER BY s.event_time DESC, s.event_key DESC), '') || ']'
           FROM sightings AS s) AS sightings,
        (SELECT count(*)::int FROM sightings) AS sighting_count,
        (SELECT coalesce(json_agg(x.cve_id ORDER BY x.cve_id), '[]') FROM detected AS x) AS cves,
        (SELECT coalesce(json_agg(row_to_json(k) ORDER BY k.cve_id), '[]') FROM detected AS x
           CROSS JOIN LATERAL (SELECT ${KEV_API_COLUMNS} FROM ${t.kevVulnerabilities} AS v
             WHERE v.cve_id = x.cve_id) AS k) AS cve_kev)
    SELECT ${[...shown, ...EVIDENCE_COLUMNS].join(", ")} FROM (
      SELECT ${events.columns.map((c) => `NULL AS ${c}`).join(", ")}, ${EVIDENCE_COLUMNS.map((c) => `v.${c}`).join(", ")}
        FROM evidence AS v
      UNION ALL
      SELECT e.*, ${EVIDENCE_COLUMNS.map(() => "NULL").join(", ")} FROM events AS e) AS r
    ORDER BY r.sort_ts DESC NULLS FIRST, r.event_id DESC`;
}
