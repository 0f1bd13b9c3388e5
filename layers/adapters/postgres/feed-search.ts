import type pg from "pg";
import type { ApiKev, ApiKevChange, KevFilter, UrlFilter } from "../../core/api/feeds";
import type { FeedQueries } from "../../core/api/investigations";
import { FEED_TABLES, type FeedTables } from "./feed-tables";
import { bind, containsPattern, keysetAfter, readRows, whereClause } from "./read";

const utc = (column: string, micro = false) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.${micro ? "US" : "MS"}"Z"')`;

/** raw.kev_vulnerabilities as the API returns it. */
export const KEV_API_COLUMNS = `cve_id, vendor_project, product, vulnerability_name,
  to_char(date_added, 'YYYY-MM-DD') AS date_added, short_description, required_action,
  to_char(due_date, 'YYYY-MM-DD') AS due_date, known_ransomware_campaign_use, ransomware_known, notes, cwes,
  catalog_version, removed_in_version`;

// Each filter's SQL; values are always the positional parameter given (LIKE patterns escaped beforehand).
const KEV_CONDITIONS: { [K in keyof KevFilter]-?: (p: string) => string } = {
  vendor: (p) => `(lower(vendor_project) LIKE ${p} OR lower(vendor_project_raw) LIKE ${p})`,
  product: (p) => `lower(product) LIKE ${p}`,
  ransomware: (p) => `ransomware_known = ${p}`,
  added_since: (p) => `date_added >= ${p}::date`,
  include_removed: (p) => `(${p}::boolean OR removed_in_version IS NULL)`,
};

const URL_CONDITIONS: { [K in keyof UrlFilter]-?: (p: string) => string } = {
  status: (p) => `url_status = ${p}`,
  threat: (p) => `threat = ${p}`,
  // URLhaus spells tags as reporters typed them (Mozi, mozi): matched case-insensitively, in the form
  // migration 0011's GIN index answers.
  tag: (p) => `raw.lower_tags(tags) @> ARRAY[lower(${p})]`,
  host: (p) => `host = ${p}`,
};

/** The KEV and URLhaus tables as the API lists and searches them (schemas swappable for tests). */
export function postgresFeedQueries(pool: pg.Pool, t: FeedTables = FEED_TABLES): FeedQueries {
  return {
    async listKev(filter, page) {
      const values: unknown[] = [];
      const keyset = keysetAfter(page.after, (a, b) => `(date_added, cve_id) < (${a}::date, ${b})`, values);
      const where = whereClause(
        {
          ...filter,
          vendor: filter.vendor === undefined ? undefined : containsPattern(filter.vendor.toLowerCase()),
          product: filter.product === undefined ? undefined : containsPattern(filter.product.toLowerCase()),
          include_removed: filter.include_removed ?? false,
        },
        KEV_CONDITIONS,
        values,
        keyset,
      );
      const limit = bind(values, page.limit + 1);
      const rows = await readRows<ApiKev>(
        pool,
        "searching KEV",
        // Sorted by the table's columns (`k.`): the bare names are the select list's text renderings.
        `SELECT ${KEV_API_COLUMNS} FROM ${t.kevVulnerabilities} AS k ${where}
         ORDER BY k.date_added DESC, k.cve_id DESC LIMIT ${limit}`,
        values,
      );
      return rows.map((item) => ({ item, position: [item.date_added, item.cve_id] as [string, string] }));
    },

    async cve(cveId) {
      const [entries, changes] = await Promise.all([
        readRows<ApiKev>(
          pool,
          "reading a KEV entry",
          `SELECT ${KEV_API_COLUMNS} FROM ${t.kevVulnerabilities} WHERE cve_id = $1`,
          [cveId],
        ),
        readRows<ApiKevChange & { change_id: string }>(
          pool,
          "reading a CVE's KEV history",
          `SELECT change_id, change, field, before, after, catalog_version,
             ${utc("catalog_released_at")} AS catalog_released_at, previous_catalog_version,
             ${utc("recorded_at")} AS recorded_at
           FROM ${t.kevChanges} WHERE cve_id = $1 ORDER BY change_id`,
          [cveId],
        ),
      ]);
      const entry = entries[0];
      if (!entry) return null;
      return { entry, changes: changes.map((c) => ({ ...c, change_id: Number(c.change_id) })) };
    },

    async listUrls(filter, page) {
      const values: unknown[] = [];
      const keyset = keysetAfter(
        page.after,
        (a, b) => `(date_added, urlhaus_id) < (${a}::timestamptz, ${b}::bigint)`,
        values,
      );
      const where = whereClause(filter, URL_CONDITIONS, values, keyset);
      const limit = bind(values, page.limit + 1);
      // Each URL as the API returns it, the JSON text written with the row (api_json, migration 0009).
      const rows = await readRows<{ item: string; position_ts: string; position_id: string }>(
        pool,
        "searching URLhaus URLs",
        `SELECT api_json AS item, ${utc("date_added", true)} AS position_ts, urlhaus_id::text AS position_id
           FROM ${t.urlhausUrls} ${where}
         ORDER BY date_added DESC, urlhaus_id DESC LIMIT ${limit}`,
        values,
      );
      return rows.map(({ item, position_ts, position_id }) => ({
        item,
        position: [position_ts, position_id] as [string, string],
      }));
    },
  };
}
