/**
 * `make bench` (API part): p50/p95/p99 latency of the two hottest API routes — the events list and the IP
 * pivot — with a million events in raw.threat_events, under 50 concurrent clients.
 *
 * The handlers are called in-process, exactly as Lambda calls them (the middy chain: validation, the
 * handler, the error mapping, Postgres through the container's pool of PG_POOL_MAX connections), with API
 * Gateway v2 events: the lists ask for pages of 50, the pivots for their default page (20 of each part),
 * as the investigation page does. HTTP and the authorizer are not in the figures: serverless offline adds
 * a worker thread per concurrent request, which on a 2-core machine measures the emulator rather than the
 * API.
 *
 * The million events are synthetic, under the event_id prefix `bench-api-`, loaded once with one
 * INSERT … SELECT generate_series (about 40 s) and kept for later runs; remove them with
 * `DELETE FROM raw.threat_events WHERE event_id LIKE 'bench-api-%'`. Their IPs are in 198.18.0.0/15 (the
 * benchmarking range): 20 hot addresses draw a third of the events, with scores kept at or below 0.8 so
 * that the high-score rankings of real data stay as they are; actors are `bench-actor-N`. Half the hot
 * addresses (198.18.0.1–10) also have evidence (LOAD_EVIDENCE, about 5 s, kept too): URLhaus URLs hosted on
 * them and security-log sightings with detections, so that their pivot returns full pages of all three; the
 * other ten keep events only. Remove the evidence with
 * `DELETE FROM raw.urlhaus_urls WHERE snapshot_key = 'bench/api'` and, for silver.security_events and
 * silver.detections, `DELETE … WHERE bucket = 'bench-api'`.
 * Each scenario is measured in rounds (default 3), the scenarios taking turns, and its figures are those of
 * every request of its rounds: identical runs on this VM differ by a third in the CPU a request takes, and a
 * scenario measured in one stretch takes whatever phase of the machine it falls in, while rounds taking turns
 * spread each scenario over the whole run.
 * The p95 of each round is printed beside the whole's.
 * Usage: node --import tsx bench/api.ts [requests per scenario and round, default 4000] [concurrency,
 *   default 50] [only the scenarios whose name contains this text, e.g. "pivot"] [rounds, default 3]
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { list as listEvents } from "../functions/api/events";
import { pivot as ipPivot } from "../functions/api/ips";
import { clients, closeClients } from "../layers/runtime/clients";
import { settings } from "../layers/runtime/config";
import { httpGetEvent } from "../localstack/http-event";
import { countArgument } from "./args";
import { machineCpuMs, servicePid, treeCpuMs } from "./cpu";
import { countEventsWithPrefix } from "./event-ids";

const USAGE = "node --import tsx bench/api.ts [requests] [concurrency] [scenario text] [rounds]";
const REQUESTS = countArgument(2, "the requests per scenario and round", 4_000, USAGE);
const CONCURRENCY = countArgument(3, "the concurrency", 50, USAGE);
const BENCH_EVENTS = 1_000_000;
const TARGET_P95_MS = 50;
const PREFIX = "bench-api-" as const;
const ONLY = process.argv[4]?.toLowerCase();
const ROUNDS = countArgument(5, "the number of rounds", 3, USAGE);

const LOAD = `
INSERT INTO raw.threat_events (event_id, ts, type, msg, actor, ip, tactic, score, country, channel,
  kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, bronze_key)
SELECT '${PREFIX}' || lpad(i::text, 7, '0'),
  timestamptz '2025-01-01 00:00:00+00' + i * interval '30 seconds' + (i % 1000) * interval '1 microsecond',
  (ARRAY['port_scan','vuln_scan','phishing','exploit_public_app','valid_accounts','powershell','malicious_macro',
    'scheduled_task','brute_force','password_spray','c2_beacon','dns_tunnel','exfil_over_c2','ransomware'])
    [1 + abs(hashint8(i * 4 + 1)) % 14],
  'bench event ' || i,
  'bench-actor-' || abs(hashint8(i * 4 + 2)) % 50,
  CASE WHEN i % 3 = 0 THEN ('198.18.0.' || 1 + (i / 3) % 20)::inet
       ELSE ('198.19.' || (abs(hashint8(i)) % 65536) / 256 || '.' || abs(hashint8(i)) % 256)::inet END,
  (ARRAY['reconnaissance','resource-development','initial-access','execution','persistence',
    'privilege-escalation','defense-evasion','credential-access','discovery','lateral-movement','collection',
    'command-and-control','exfiltration','impact'])[1 + abs(hashint8(i * 4 + 3)) % 14],
  CASE WHEN i % 3 = 0 THEN (abs(hashint8(i * 4)) % 81) / 100.0 ELSE (abs(hashint8(i * 4)) % 101) / 100.0 END,
  (ARRAY['US','DE','GB','FR','NL','UA','PL','JP','KR','BR','IN','CA'])[1 + abs(hashint8(i * 8 + 5)) % 12],
  (ARRAY['email','web','endpoint','network','vpn','cloud'])[1 + abs(hashint8(i * 8 + 7)) % 6],
  'bench', 0, i, timestamptz '2025-01-01 00:00:00+00' + i * interval '30 seconds', 'bench/api'
FROM generate_series(1::bigint, ${BENCH_EVENTS}) AS i
ON CONFLICT (event_id) DO NOTHING`;

// Evidence for half the hot IPs (198.18.0.1–10), loaded once beside the events and kept: each hosts 1,000
// URLhaus URLs and is in 10,000 Sysmon network connections (half as destination, half as source), and one
// detection per IP names its newest sightings as evidence, the first IP's with a CVE (so a tenth of their
// pivots link a KEV entry, read with the evidence; no bench row names a CVE in its text, which would take a
// second statement). Keys: URLhaus ids from 8,000,000,001, snapshot `bench/api`; sightings and detections
// in bucket `bench-api`.
const EVIDENCE = { urls: 10_000, sightings: 100_000 } as const;
const evidenceIp = (i: string) => `('198.18.0.' || 1 + (${i}) % 10)`;
const LOAD_EVIDENCE = [
  `INSERT INTO raw.urlhaus_urls (urlhaus_id, url, host, url_status, threat, tags, urlhaus_link, reporter,
     date_added, snapshot_key)
   SELECT 8000000000 + i, 'http://' || ${evidenceIp("i")} || '/bench/' || i || '.sh', ${evidenceIp("i")},
     CASE WHEN i % 3 = 0 THEN 'online' ELSE 'offline' END, 'malware_download', '{bench,Mozi}',
     'https://urlhaus.abuse.ch/url/' || 8000000000 + i || '/', 'vigil-bench',
     timestamptz '2025-01-01 00:00:00+00' + i * interval '1 hour', 'bench/api'
   FROM generate_series(1, ${EVIDENCE.urls}) AS i ON CONFLICT DO NOTHING`,
  `INSERT INTO silver.security_events (event_key, event_time, time_source, layout, host, channel, provider,
     event_id, process_image, source_ip, source_port, destination_ip, destination_port, bucket, object_key, etag,
     line_no)
   SELECT 'bench-api-s-' || lpad(i::text, 6, '0'), timestamptz '2025-01-01 00:00:00+00' + i * interval '5 minutes',
     'UtcTime', 'sysmon', 'bench-host-' || i % 37, 'microsoft-windows-sysmon/operational',
     'Microsoft-Windows-Sysmon', 3, 'C:\\Windows\\System32\\svchost.exe',
     CASE WHEN i % 20 < 10 THEN ('10.20.' || i % 37 || '.' || 1 + i % 200)::inet ELSE ${evidenceIp("i")}::inet END,
     CASE WHEN i % 20 < 10 THEN 49152 + i % 16000 ELSE 443 END,
     CASE WHEN i % 20 < 10 THEN ${evidenceIp("i")}::inet ELSE ('10.20.' || i % 37 || '.' || 1 + i % 200)::inet END,
     CASE WHEN i % 20 < 10 THEN 443 ELSE 49152 + i % 16000 END,
     'bench-api', 'bench/api', 'bench', i
   FROM generate_series(1, ${EVIDENCE.sightings}) AS i ON CONFLICT DO NOTHING`,
  `INSERT INTO silver.detections (detection_id, rule_id, rule_title, technique_id, severity, cve_id,
     first_event_at, last_event_at, evidence_count, evidence_event_keys, bucket, object_key, etag, rules_version,
     rules_digest)
   SELECT 'bench-api-d-' || h, 'bench', 'bench: connections with a hot address', 'T1071', 'medium',
     CASE WHEN h = 1 THEN 'CVE-2021-44228' END, min(s.event_time), max(s.event_time), count(*),
     array_agg(s.event_key ORDER BY s.event_time DESC), 'bench-api', 'bench/api', 'bench', 'bench', 'bench'
   FROM generate_series(1, 10) AS h
   CROSS JOIN LATERAL (SELECT event_key, event_time FROM silver.security_events
     WHERE bucket = 'bench-api' AND (source_ip = ('198.18.0.' || h)::inet OR destination_ip = ('198.18.0.' || h)::inet)
     ORDER BY event_time DESC LIMIT 20) AS s
   GROUP BY h ON CONFLICT DO NOTHING`,
];

const c = clients();

const count = async (sql: string) => Number((await c.pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
const benchRows = () => countEventsWithPrefix(c.pool, PREFIX);

const evidenceRows = async () => ({
  urls: await count("SELECT count(*) AS n FROM raw.urlhaus_urls WHERE snapshot_key = 'bench/api'"),
  sightings: await count("SELECT count(*) AS n FROM silver.security_events WHERE bucket = 'bench-api'"),
});

/** Loads what the bench reads, the events and the hot IPs' evidence, each unless already there. */
async function ensureBenchData(): Promise<{ loadedMs: number | null }> {
  const started = performance.now();
  let loaded = false;
  if ((await benchRows()) < BENCH_EVENTS) {
    console.log(
      `loading ${BENCH_EVENTS.toLocaleString("en")} synthetic events (${PREFIX}*) into raw.threat_events…`,
    );
    await c.pool.query(LOAD);
    // VACUUM as well: it sets the visibility map and hint bits of the new rows now, not on the first reads.
    await c.pool.query("VACUUM (ANALYZE) raw.threat_events");
    loaded = true;
  }
  const evidence = await evidenceRows();
  if (evidence.urls < EVIDENCE.urls || evidence.sightings < EVIDENCE.sightings) {
    console.log(
      `loading the hot IPs' evidence: ${EVIDENCE.urls.toLocaleString("en")} URLhaus URLs, ` +
        `${EVIDENCE.sightings.toLocaleString("en")} security-log sightings and their detections…`,
    );
    for (const sql of LOAD_EVIDENCE) await c.pool.query(sql);
    for (const table of ["raw.urlhaus_urls", "silver.security_events", "silver.detections"]) {
      await c.pool.query(`VACUUM (ANALYZE) ${table}`);
    }
    loaded = true;
  }
  return { loadedMs: loaded ? performance.now() - started : null };
}

/** A route's Lambda handler, called in process with an API Gateway HTTP API (v2) event. */
type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
interface Scenario {
  name: string;
  handler: Handler;
  request: (i: number) => APIGatewayProxyEventV2;
}

const context = {} as Context;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

const postgresPid = servicePid("postgres");

/**
 * CPU time spent so far, in ms: by the whole machine and by Postgres (its server and every backend; Linux
 * only, else undefined), and by this process (every handler).
 */
function cpuSpent(): { machine: number | undefined; postgres: number | undefined; process: number } {
  const usage = process.cpuUsage();
  return {
    machine: machineCpuMs(),
    postgres: postgresPid === undefined ? undefined : treeCpuMs({ postgres: postgresPid })?.postgres,
    process: (usage.user + usage.system) / 1000,
  };
}

/** CPU ms spent between two readings, undefined when either is missing. */
const spentBetween = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? undefined : to - from;

/** What one stretch of requests took: each request's latency, the wall time and the CPU spent. */
interface Stretch {
  latencies: number[];
  wallMs: number;
  cpuMs: { machine: number | undefined; postgres: number | undefined; process: number };
  failures: number;
}

/** `total` requests from `concurrency` clients, each sending its next one when the last is answered. */
async function run(s: Scenario, total: number, concurrency: number): Promise<Stretch> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const cpu = cpuSpent();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        const response = await s.handler(s.request(i), context);
        latencies.push(performance.now() - t);
        if (response.statusCode !== 200) failures += 1;
      }
    }),
  );
  const wallMs = performance.now() - started;
  const spent = cpuSpent();
  return {
    latencies,
    wallMs,
    cpuMs: {
      machine: spentBetween(cpu.machine, spent.machine),
      postgres: spentBetween(cpu.postgres, spent.postgres),
      process: spent.process - cpu.process,
    },
    failures,
  };
}

/** The figures of a scenario's stretches taken together: every request's latency counts once. */
function summary(stretches: Stretch[]) {
  const sorted = stretches.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = sorted.length;
  const wallMs = stretches.reduce((sum, r) => sum + r.wallMs, 0);
  const perRequest = (part: keyof Stretch["cpuMs"]) =>
    stretches.some((r) => r.cpuMs[part] === undefined)
      ? undefined
      : stretches.reduce((sum, r) => sum + (r.cpuMs[part] ?? 0), 0) / requests;
  return {
    cpuMs: {
      machine: perRequest("machine"),
      postgres: perRequest("postgres"),
      process: perRequest("process"),
    },
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    p99: quantile(sorted, 0.99),
    rps: Math.round(requests / (wallMs / 1000)),
    failures: stretches.reduce((sum, r) => sum + r.failures, 0),
  };
}

async function firstCursor(query: Record<string, string>): Promise<string> {
  const first = await listEvents(httpGetEvent("/v1/events", query), context);
  const cursor = (JSON.parse(first.body ?? "{}") as { meta?: { next_cursor?: string } }).meta?.next_cursor;
  if (!cursor) throw new Error("bench: the first page of events has no next page");
  return cursor;
}

async function main(): Promise<void> {
  const { loadedMs } = await ensureBenchData();
  const [total, bench] = [await count("SELECT count(*) AS n FROM raw.threat_events"), await benchRows()];
  const evidence = await evidenceRows();
  const hot = Array.from({ length: 20 }, (_, i) => `198.18.0.${i + 1}`);
  const [withEvidence, eventsOnly] = [hot.slice(0, 10), hot.slice(10)];
  const cold = Array.from({ length: 200 }, (_, i) => `198.19.${(i * 37) % 256}.${(i * 101) % 256}`);
  const pivotOf = (ips: string[]) => (i: number) => {
    const ip = ips[i % ips.length] ?? "";
    return httpGetEvent(`/v1/ips/${ip}`, {}, { ip });
  };
  const actors = Array.from({ length: 50 }, (_, i) => `bench-actor-${i}`);
  const cursor = await firstCursor({ limit: "50" });
  const scenarios: Scenario[] = [
    {
      name: "events list, newest page",
      handler: (e, ctx) => listEvents(e, ctx),
      request: () => httpGetEvent("/v1/events", { limit: "50" }),
    },
    {
      name: "events list, page 2 (cursor)",
      handler: (e, ctx) => listEvents(e, ctx),
      request: () => httpGetEvent("/v1/events", { limit: "50", cursor }),
    },
    {
      name: "events list, actor + tactic",
      handler: (e, ctx) => listEvents(e, ctx),
      request: (i) =>
        httpGetEvent("/v1/events", {
          actor: actors[i % actors.length] ?? "",
          tactic: "execution",
          limit: "50",
        }),
    },
    {
      name: "IP pivot, hot IPs (~16,700 events each)",
      handler: (e, ctx) => ipPivot(e, ctx),
      request: pivotOf(eventsOnly),
    },
    {
      name: "IP pivot, hot IPs with evidence (+1,000 URLs, 10,000 sightings)",
      handler: (e, ctx) => ipPivot(e, ctx),
      request: pivotOf(withEvidence),
    },
    {
      name: "IP pivot, other IPs (~10 events each)",
      handler: (e, ctx) => ipPivot(e, ctx),
      request: pivotOf(cold),
    },
  ];

  console.log(
    `\nAPI latency, in-process handler calls (middy + validation + Postgres pool of ${settings().PG_POOL_MAX}, ` +
      `PG_POOL_MAX), ${CONCURRENCY} concurrent clients`,
  );
  console.log(
    `raw.threat_events: ${total.toLocaleString("en")} rows (${bench.toLocaleString("en")} synthetic bench-api-*)` +
      (loadedMs === null ? ", already loaded" : `, loaded in ${(loadedMs / 1000).toFixed(1)} s`),
  );
  console.log(
    `the hot IPs' evidence: ${evidence.urls.toLocaleString("en")} URLhaus URLs, ` +
      `${evidence.sightings.toLocaleString("en")} sightings in silver.security_events (bench/api)`,
  );
  // Each scenario beside its baseline from the same run: one client alone (no queueing: the service time).
  const rows: string[][] = [
    [
      "scenario",
      "1 client p50/p95 ms",
      `${CONCURRENCY} clients p50/p95/p99 ms`,
      "p95 of each round",
      "req/s",
      "CPU ms/req: machine, handlers, Postgres",
      "p95 target",
      "errors",
    ],
  ];
  const chosen = scenarios.filter((s) => !ONLY || s.name.toLowerCase().includes(ONLY));
  if (chosen.length === 0) throw new Error(`bench: no scenario's name contains "${process.argv[4]}"`);
  // Each scenario's one-client stretch, its rounds, and each round's p95 (printed as it ends, tabled after).
  const measured = new Map<Scenario, { alone: Stretch; rounds: Stretch[]; roundP95: number[] }>();
  for (const s of chosen) {
    // Warm-up, as many requests as a round: connections, plans, and V8's optimised code and heap sizes,
    // which take a few thousand requests to settle (the first thousand run ~2× the CPU per request).
    await run(s, REQUESTS, CONCURRENCY);
    measured.set(s, { alone: await run(s, Math.min(500, REQUESTS), 1), rounds: [], roundP95: [] });
  }
  for (let round = 1; round <= ROUNDS; round++) {
    process.stdout.write(`round ${round} of ${ROUNDS}: `);
    for (const [s, m] of measured) {
      const stretch = await run(s, REQUESTS, CONCURRENCY);
      m.rounds.push(stretch);
      const { p95 } = summary([stretch]);
      m.roundP95.push(p95);
      process.stdout.write(`${p95.toFixed(1)} `);
    }
    process.stdout.write("ms p95\n");
  }
  let missed = 0;
  for (const [s, m] of measured) {
    const one = summary([m.alone]);
    const r = summary(m.rounds);
    const ok = r.p95 < TARGET_P95_MS && r.failures + one.failures === 0;
    if (!ok) missed += 1;
    rows.push([
      s.name,
      `${one.p50.toFixed(1)} / ${one.p95.toFixed(1)}`,
      `${r.p50.toFixed(1)} / ${r.p95.toFixed(1)} / ${r.p99.toFixed(1)}`,
      m.roundP95.map((p95) => p95.toFixed(1)).join(" / "),
      String(r.rps),
      [r.cpuMs.machine, r.cpuMs.process, r.cpuMs.postgres].map((ms) => ms?.toFixed(2) ?? "n/a").join(", "),
      `< ${TARGET_P95_MS} ${ok ? "met" : "MISSED"}`,
      String(r.failures + one.failures),
    ]);
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length))) ?? [];
  for (const r of rows) console.log(r.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join("  "));
  console.log(
    `(${ROUNDS} rounds of ${REQUESTS} requests per scenario, the scenarios taking turns, after as many to warm up; ` +
      "each figure is that of every request of the rounds, the p95 of each round beside it. Clients send their next request as soon as the last is answered, so " +
      `latency under load is at least ${CONCURRENCY} / req/s: the machine's throughput sets it. CPU per request, under ` +
      "load: the whole machine's (handlers, Postgres, kernel), this process's, whose one event loop runs " +
      "every handler (near 1,000 ms of it per second, that loop is what limits req/s: it shares a core " +
      "with Postgres, whose autogroup the kernel weighs the same as this process's), and Postgres's, its " +
      "server and backends.)",
  );
  if (missed > 0) console.log(`\n${missed} scenario(s) missed the p95 target (see above).`);
}

main()
  .catch((error: unknown) => {
    console.error(`bench/api: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(() => closeClients());
