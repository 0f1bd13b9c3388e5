import type pg from "pg";
import type { ApiKev, ApiUrl } from "../../core/api/feeds";
import type { IpEvidence } from "../../core/api/investigations";
import { KEV_API_COLUMNS, URL_API_COLUMNS } from "./feed-search";
import { FEED_TABLES, type FeedTables } from "./feed-tables";
import { readRows } from "./read";

/**
 * The columns of silver.security_events an IP can be in, and the ones that order sightings by time. The
 * table is built by the security-log pipeline; the pivot reads whichever of these it has, so the two can
 * evolve apart. Identifiers only ever come from these lists.
 */
export const SIGHTING_IP_COLUMNS = [
  "ip",
  "src_ip",
  "dst_ip",
  "source_ip",
  "destination_ip",
  "ip_address",
  "client_ip",
  "remote_ip",
  "host_ip",
] as const;
export const SIGHTING_TIME_COLUMNS = ["ts", "event_time", "timestamp", "time", "occurred_at"] as const;
export const SIGHTINGS_TABLE = { schema: "silver", table: "security_events" } as const;

const IP_TYPES = new Set(["inet", "cidr"]);
const TEXT_TYPES = new Set(["text", "varchar", "bpchar"]);

/**
 * The CVEs the detection rules tied to these sightings (silver.detections rows whose evidence includes
 * one of them): the security logs' own link to KEV. None while that table does not exist.
 */
async function detectedCves(pool: pg.Pool, sightings: readonly Record<string, unknown>[]): Promise<string[]> {
  const keys = sightings.flatMap((s) => (typeof s.event_key === "string" ? [s.event_key] : []));
  if (keys.length === 0) return [];
  const [table] = await readRows<{ present: boolean }>(
    pool,
    "looking for silver.detections",
    "SELECT to_regclass('silver.detections') IS NOT NULL AS present",
  );
  if (!table?.present) return [];
  const rows = await readRows<{ cve_id: string }>(
    pool,
    "reading the detections of sightings",
    `SELECT DISTINCT cve_id FROM silver.detections
      WHERE cve_id IS NOT NULL AND evidence_event_keys && $1::text[] ORDER BY cve_id`,
    [keys],
  );
  return rows.map((r) => r.cve_id);
}

/** URLhaus URLs, security-log sightings and KEV entries, as the IP pivot reads them. */
export function postgresIpEvidence(pool: pg.Pool, t: FeedTables = FEED_TABLES): IpEvidence {
  return {
    async urlsOnHost(hosts, limit) {
      return readRows<ApiUrl>(
        pool,
        "reading URLhaus URLs of a host",
        `SELECT ${URL_API_COLUMNS} FROM ${t.urlhausUrls} AS u WHERE host = ANY($1::text[])
         ORDER BY u.date_added DESC, u.urlhaus_id DESC LIMIT $2`,
        [hosts, limit],
      );
    },

    async sightings(ip, limit) {
      // The catalog directly (information_schema's views cost milliseconds on every pivot).
      const columns = await readRows<{ column_name: string; data_type: string }>(
        pool,
        "reading the security-events columns",
        `SELECT a.attname AS column_name, t.typname AS data_type
           FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
          WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`,
        [`${SIGHTINGS_TABLE.schema}.${SIGHTINGS_TABLE.table}`],
      );
      const name = `${SIGHTINGS_TABLE.schema}.${SIGHTINGS_TABLE.table}`;
      if (columns.length === 0) {
        return { state: { available: false, reason: `${name} does not exist yet` }, rows: [], cves: [] };
      }
      const typeOf = new Map(columns.map((c) => [c.column_name, c.data_type]));
      const values: unknown[] = [ip];
      const matches: string[] = [];
      for (const column of SIGHTING_IP_COLUMNS) {
        const type = typeOf.get(column);
        if (type && IP_TYPES.has(type)) matches.push(`${column} = $1::text::inet`);
        else if (type && TEXT_TYPES.has(type)) matches.push(`${column} = $1::text`);
      }
      if (matches.length === 0) {
        return {
          state: {
            available: false,
            reason: `${name} has no IP column this API reads (one of ${SIGHTING_IP_COLUMNS.join(", ")})`,
          },
          rows: [],
          cves: [],
        };
      }
      const time = SIGHTING_TIME_COLUMNS.find((c) => typeOf.has(c));
      values.push(limit);
      const rows = await readRows<{ row: Record<string, unknown> }>(
        pool,
        "reading security-log sightings",
        `SELECT to_jsonb(s) AS row FROM ${name} AS s WHERE ${matches.join(" OR ")}
         ${time ? `ORDER BY ${time} DESC NULLS LAST` : ""} LIMIT $2`,
        values,
      );
      const sightings = rows.map((r) => r.row);
      return { state: { available: true }, rows: sightings, cves: await detectedCves(pool, sightings) };
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
