import { z } from "zod";
import { boundedText, ipAddress, storableInstant } from "./rules";

/** The 14 ATT&CK enterprise tactics, in kill-chain order, as event producers spell them (lower-kebab). */
export const ATTACK_TACTICS = [
  "reconnaissance",
  "resource-development",
  "initial-access",
  "execution",
  "persistence",
  "privilege-escalation",
  "defense-evasion",
  "credential-access",
  "discovery",
  "lateral-movement",
  "collection",
  "command-and-control",
  "exfiltration",
  "impact",
] as const;

/**
 * The `threat.events` payload (DESIGN.md §3): `event_id` and `ts` required, every other field optional and
 * validated when present. Fields beyond these are kept as they came (in `extra`), so a producer adding a
 * field never has its events dead-lettered. This schema is the single source of the TypeScript type, the
 * ingest validation and the API documentation.
 */
export const ThreatEventSchema = z
  .object({
    event_id: boundedText(128).describe("Producer-assigned unique id; the idempotency key"),
    ts: storableInstant().describe(
      "When the event happened, ISO 8601 with a zone (e.g. 2026-11-25T10:00:00Z)",
    ),
    type: boundedText(64).optional().describe("Event type, e.g. phishing, c2_beacon, brute_force"),
    msg: z.string().max(4096).optional().describe("Free-text description"),
    actor: boundedText(256).optional().describe("Threat actor or group name"),
    ip: ipAddress("an IPv4 or IPv6 address").optional().describe("Targeted IP address"),
    tactic: z.enum(ATTACK_TACTICS).optional().describe("ATT&CK tactic (lower-kebab name)"),
    score: z.number().min(0).max(1).optional().describe("Severity score in [0, 1]"),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code such as DE")
      .optional()
      .describe("ISO 3166-1 alpha-2 country"),
    channel: boundedText(64).optional().describe("Where it was seen: email, web, endpoint, network, …"),
  })
  .passthrough();

export type ThreatEvent = z.output<typeof ThreatEventSchema>;

/** The names of the schema's own fields; everything else a producer sends is kept in `extra`. */
export const THREAT_EVENT_FIELDS = Object.keys(ThreatEventSchema.shape) as (keyof ThreatEvent)[];
