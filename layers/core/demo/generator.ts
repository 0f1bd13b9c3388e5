import { ATTACK_TACTICS, type ThreatEvent } from "../events/threat-event";

/**
 * Realistic threat events for demos, tests and benchmarks: known actor names, ATT&CK tactics, public-range
 * IPs with a few hot targets, skewed scores, countries and channels. Deterministic for a seed, so a test
 * or a benchmark can regenerate exactly what it produced.
 */
const ACTORS = [
  "APT28",
  "APT29",
  "Lazarus Group",
  "FIN7",
  "Sandworm",
  "Turla",
  "Kimsuky",
  "Scattered Spider",
  "LockBit affiliate",
  "TA505",
  "Charming Kitten",
  "Wizard Spider",
];
const TYPES_BY_TACTIC: Record<string, string[]> = {
  reconnaissance: ["port_scan", "vuln_scan"],
  "resource-development": ["domain_registration"],
  "initial-access": ["phishing", "exploit_public_app", "valid_accounts"],
  execution: ["powershell", "malicious_macro"],
  persistence: ["scheduled_task", "registry_run_key"],
  "privilege-escalation": ["token_manipulation"],
  "defense-evasion": ["log_clearing", "obfuscated_script"],
  "credential-access": ["brute_force", "lsass_dump", "password_spray"],
  discovery: ["account_discovery"],
  "lateral-movement": ["rdp", "smb_admin_share"],
  collection: ["archive_collected"],
  "command-and-control": ["c2_beacon", "dns_tunnel"],
  exfiltration: ["exfil_over_c2"],
  impact: ["ransomware", "data_wipe"],
};
const COUNTRIES = ["US", "DE", "GB", "FR", "NL", "UA", "PL", "JP", "KR", "BR", "IN", "CA"];
const CHANNELS = ["email", "web", "endpoint", "network", "vpn", "cloud"];

/** mulberry32: a small, fast, seedable PRNG (Math.random cannot be replayed). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

export interface GeneratorOptions {
  seed?: number;
  /** Prefix of every event_id (a test isolates its events with it). */
  idPrefix?: string;
  /** Time of the first event; events are spread after it, one every `spacingMs` on average. */
  start?: Date;
  spacingMs?: number;
}

/** `count` threat events, deterministic for the options. */
export function generateEvents(count: number, options: GeneratorOptions = {}): ThreatEvent[] {
  const random = prng(options.seed ?? 1);
  const prefix = options.idPrefix ?? "evt";
  const start = (options.start ?? new Date("2026-11-01T00:00:00Z")).getTime();
  const spacing = options.spacingMs ?? 1_000;
  // A few hot targets draw a third of all events, as real campaigns concentrate on exposed hosts.
  const hotIps = Array.from({ length: 20 }, (_, i) => `198.51.100.${i + 10}`);
  return Array.from({ length: count }, (_, i) => {
    const tactic = pick(random, ATTACK_TACTICS);
    const ip =
      random() < 0.33
        ? pick(random, hotIps)
        : `${pick(random, [45, 62, 77, 91, 103, 141, 176, 185, 194, 203])}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${1 + Math.floor(random() * 254)}`;
    const actor = pick(random, ACTORS);
    const type = pick(random, TYPES_BY_TACTIC[tactic] ?? ["unknown"]);
    // Scores skew low with a long high tail: most alerts are noise, a few are critical.
    const score = Math.round(random() ** 2.2 * 1000) / 1000;
    return {
      event_id: `${prefix}-${String(i).padStart(8, "0")}`,
      ts: new Date(start + Math.floor(i * spacing + random() * spacing)).toISOString(),
      type,
      msg: `${actor} ${type.replaceAll("_", " ")} against ${ip}`,
      actor,
      ip,
      tactic,
      score,
      country: pick(random, COUNTRIES),
      channel: pick(random, CHANNELS),
    };
  });
}

/** Nodes and links of the events' graph, the shape graph-drawing libraries take, for a static demo. */
export function graphJson(events: readonly ThreatEvent[]): {
  nodes: { id: string; kind: "Actor" | "ThreatEvent" | "IPAddress"; label: string }[];
  links: { source: string; target: string; type: "GENERATED" | "TARGETED" }[];
} {
  const nodes = new Map<string, { id: string; kind: "Actor" | "ThreatEvent" | "IPAddress"; label: string }>();
  const links: { source: string; target: string; type: "GENERATED" | "TARGETED" }[] = [];
  for (const e of events) {
    const eventNode = `event:${e.event_id}`;
    nodes.set(eventNode, { id: eventNode, kind: "ThreatEvent", label: e.type ?? e.event_id });
    if (e.actor) {
      nodes.set(`actor:${e.actor}`, { id: `actor:${e.actor}`, kind: "Actor", label: e.actor });
      links.push({ source: `actor:${e.actor}`, target: eventNode, type: "GENERATED" });
    }
    if (e.ip) {
      nodes.set(`ip:${e.ip}`, { id: `ip:${e.ip}`, kind: "IPAddress", label: e.ip });
      links.push({ source: eventNode, target: `ip:${e.ip}`, type: "TARGETED" });
    }
  }
  return { nodes: [...nodes.values()], links };
}
