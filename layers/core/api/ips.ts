import { ApiEvent, ListMeta, PageQuery } from "./events";
import { ApiKev, ApiUrl } from "./feeds";
import { ipParam, pivotLimitParam, scoreParam, wholeNumber } from "./params";
import { z } from "./zod";

export const IpPath = z.object({ ip: ipParam.describe("An IPv4 or IPv6 address") });

/** The pivot's page: `limit` rows of each part (its own default); `cursor` pages its events further. */
export const IpPivotQuery = PageQuery.extend({ limit: pivotLimitParam });

/** The threshold above which an event counts as high-score across Vigil (the partial index's too). */
export const HIGH_SCORE = 0.8;

export const TopIpsQuery = z
  .object({
    score_above: scoreParam
      .optional()
      .transform((v) => v ?? HIGH_SCORE)
      .describe(`Count only events scoring strictly above this (default ${HIGH_SCORE})`),
    limit: wholeNumber(1, 500, 10).describe("How many IPs, 1 to 500 (default 10)"),
  })
  .strict();

export const TopIps = z
  .object({
    data: z.array(z.object({ ip: z.string(), hits: z.number().int() })),
    meta: z.object({ score_above: z.number(), limit: z.number().int() }),
  })
  .openapi("TopTargetedIps");

/**
 * Whether a source of the pivot could be read. The security-log table arrives with its own pipeline; until
 * it exists (or when it has no column this API reads IPs from) the pivot says so instead of failing.
 */
export const SourceState = z.object({
  available: z.boolean(),
  reason: z.string().optional(),
});
export type SourceState = z.output<typeof SourceState>;

/** A security-log sighting: the row as silver.security_events holds it. */
export const Sighting = z.record(z.unknown()).openapi("SecuritySighting");

export const KevLink = ApiKev.extend({
  linked_from: z
    .array(z.enum(["events", "urls", "sightings"]))
    .describe("Which of the IP's evidence names this CVE"),
}).openapi("KevLink");

export const IpPivot = z
  .object({
    data: z.object({
      ip: z.string().describe("The address in canonical form"),
      events: z.array(ApiEvent).describe("Threat events that targeted it, newest first"),
      urls: z.array(ApiUrl).describe("URLhaus URLs hosted on it, newest first"),
      sightings: z.array(Sighting).describe("silver.security_events rows naming it, newest first"),
      kev: z.array(KevLink).describe("KEV entries the events, URLs or sightings above name"),
    }),
    meta: z.object({
      events: ListMeta,
      urls: z.object({ count: z.number().int(), limit: z.number().int() }),
      sightings: SourceState.extend({ count: z.number().int(), limit: z.number().int() }),
      kev: z.object({ count: z.number().int() }),
    }),
  })
  .openapi("IpPivot");

export type KevLink = z.output<typeof KevLink>;
