import { hostKey } from "../host";
import { type CursorKey, decodeCursor } from "./cursor";
import { ListMeta } from "./events";
import { booleanParam, cursorParam, dayParam, limitParam, textParam } from "./params";
import { z } from "./zod";

/** A CVE id, upper-cased on the way in (`cve-2021-44228` finds `CVE-2021-44228`). */
export const cveParam = z
  .string()
  .regex(/^CVE-\d{4}-\d{4,7}$/i, "a CVE id such as CVE-2021-44228")
  .transform((v) => v.toUpperCase())
  .openapi({ example: "CVE-2021-44228" });

/**
 * A case-insensitive text filter, lower-cased when read: a cursor belongs to its filters, and
 * `vendor=Microsoft` then `vendor=microsoft` is one filter.
 */
const caseless = (max: number) => textParam(max).transform((v) => v.toLowerCase());

/**
 * The filters of `GET /v1/kev` over raw.kev_vulnerabilities; `include_removed` defaults to false, so its
 * cursor continues whether the next request spells the default or leaves it out.
 */
export const KevListQuery = z
  .object({
    vendor: caseless(128).optional().describe("Vendor, case-insensitive, part of the name (e.g. microsoft)"),
    product: caseless(128).optional().describe("Product, case-insensitive, part of the name"),
    ransomware: booleanParam
      .optional()
      .describe("true: known to be used in ransomware campaigns; false: not known to be"),
    added_since: dayParam.optional().describe("Only CVEs CISA added on or after this day"),
    include_removed: booleanParam.default("false").describe("Also CVEs CISA has withdrawn"),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

export const CvePath = z.object({ cve: cveParam.describe("The CVE id") });

/** The filters of `GET /v1/urls` over raw.urlhaus_urls. */
export const UrlListQuery = z
  .object({
    status: z.enum(["online", "offline", "unknown"]).optional().describe("URLhaus url_status"),
    threat: textParam(128).optional().describe("URLhaus threat, e.g. malware_download"),
    tag: caseless(128).optional().describe("One tag the URL carries, case-insensitive (e.g. mozi)"),
    host: textParam(1024)
      .transform(hostKey)
      .optional()
      .describe(
        "The URL's host: a domain or an IP literal, without port (any case; brackets and a trailing dot ignored)",
      ),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

export interface KevFilter {
  vendor?: string;
  product?: string;
  ransomware?: boolean;
  added_since?: string;
  include_removed?: boolean;
}

export interface UrlFilter {
  status?: string;
  threat?: string;
  tag?: string;
  host?: string;
}

const definedOnly = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The filter and page of a validated list query, the cursor opened against these filters. */
export function listQuery<L extends "kev" | "urls", F extends object>(
  list: L,
  query: F & { limit: number; cursor?: string | undefined },
): { filter: F; page: { limit: number; after?: CursorKey<L> } } {
  const { limit, cursor, ...rest } = query;
  const filter = definedOnly(rest) as unknown as F;
  const page: { limit: number; after?: CursorKey<L> } = { limit };
  if (cursor) page.after = decodeCursor(list, cursor, filter as Record<string, unknown>);
  return { filter, page };
}

/** A KEV entry as the API returns it. */
export const ApiKev = z
  .object({
    cve_id: z.string(),
    vendor_project: z.string().describe("Vendor, normalised (trimmed, canonical spelling)"),
    product: z.string(),
    vulnerability_name: z.string(),
    date_added: z.string().describe("YYYY-MM-DD"),
    short_description: z.string(),
    required_action: z.string(),
    due_date: z.string(),
    known_ransomware_campaign_use: z.string().describe("Known or Unknown, as published"),
    ransomware_known: z.boolean(),
    notes: z.string(),
    cwes: z.array(z.string()),
    catalog_version: z.string().describe("The newest catalogue this CVE was seen in"),
    removed_in_version: z.string().nullable().describe("The catalogue that withdrew it, if one did"),
  })
  .openapi("KevVulnerability");

export const ApiKevChange = z
  .object({
    change_id: z.number().int(),
    change: z.enum(["added", "modified", "removed"]),
    field: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    catalog_version: z.string(),
    catalog_released_at: z.string().openapi({
      description:
        "When CISA released the catalogue that brought the change (a version can be released twice)",
    }),
    previous_catalog_version: z.string().nullable(),
    recorded_at: z.string(),
  })
  .openapi("KevChange");

export const ApiUrl = z
  .object({
    urlhaus_id: z.string().describe("URLhaus's id (a decimal string: ids exceed 2^53 in theory)"),
    url: z.string(),
    host: z.string(),
    url_status: z.string(),
    threat: z.string().nullable(),
    tags: z.array(z.string()),
    date_added: z.string(),
    last_online: z.string().nullable(),
    reporter: z.string().nullable(),
    urlhaus_link: z.string().nullable(),
    last_seen_at: z.string(),
  })
  .openapi("UrlhausUrl");

export type ApiKev = z.output<typeof ApiKev>;
export type ApiKevChange = z.output<typeof ApiKevChange>;
export type ApiUrl = z.output<typeof ApiUrl>;

export const KevPage = z.object({ data: z.array(ApiKev), meta: ListMeta }).openapi("KevPage");
export const UrlPage = z.object({ data: z.array(ApiUrl), meta: ListMeta }).openapi("UrlPage");
export const CveDetail = z
  .object({ data: ApiKev.extend({ changes: z.array(ApiKevChange) }) })
  .openapi("CveDetail");
