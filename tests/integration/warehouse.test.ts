import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ATTACK_TACTICS } from "../../layers/core/events/threat-event";
import { UrlhausEventSchema } from "../../layers/core/events/urlhaus-event";
import { ROOT, testEnv } from "./support/env";
import { WarehouseSandbox } from "./support/warehouse";

// The dbt warehouse (warehouse/) built by real dbt against the local Postgres, in schemas of the test's
// own: a realistic small data set builds and passes every test; the incremental facts take late rows inside
// the lookback window and merge rather than duplicate; a bad raw value fails the test that guards it.
const env = testEnv();
const wh = new WarehouseSandbox(env.DATABASE_URL ?? "");
const LOOKBACK_HOURS = 24;
const HOUR = 3_600_000;

// Ingestion times of the first load: an hour ago, a minute apart.
const loadedAt = (i: number) => new Date(Date.now() - HOUR + i * 60_000).toISOString();
const kafka = (i: number, topic = "threat.events") => ({
  kafka_topic: topic,
  kafka_partition: i % 3,
  kafka_offset: i,
  kafka_timestamp: "2026-11-24T10:00:00Z",
  bronze_key: `events/topic=${topic}/dt=2026-11-24/hour=10/${topic}+${i % 3}+0.jsonl.gz`,
});

const ACTORS = ["APT29", "Lazarus Group", "FIN7", "fin7", "Sandworm Team"];
const IPS = ["198.51.100.23", "10.0.4.7", "185.220.101.4", "2001:db8::10", "203.0.113.9"];
const TYPES: [string, (typeof ATTACK_TACTICS)[number]][] = [
  ["phishing", "initial-access"],
  ["c2_beacon", "command-and-control"],
  ["credential_dumping", "credential-access"],
  ["scheduled_task", "persistence"],
  ["data_exfiltration", "exfiltration"],
  ["port_scan", "reconnaissance"],
];

/** 30 threat events over five days; the last one carries only the two required fields. */
const threatEvents = Array.from({ length: 30 }, (_, i) => {
  const [type, tactic] = TYPES[i % TYPES.length] ?? ["phishing", "initial-access"];
  const actor = ACTORS[i % ACTORS.length] ?? "APT29";
  const ip = IPS[(i * 7) % IPS.length] ?? "198.51.100.23";
  const ts = new Date(Date.UTC(2026, 10, 20 + (i % 5), 3 + i, 17, 42)).toISOString();
  const full =
    i === 29
      ? {}
      : {
          type,
          msg: `${actor} ${type.replace("_", " ")} against ${ip}`,
          actor,
          ip,
          tactic,
          score: Math.round(((i * 37) % 100) + 1) / 100,
          country: ["DE", "US", "JP", "KR", "IN"][i % 5],
          channel: ["email", "network", "endpoint", "web"][i % 4],
        };
  return { event_id: `wh-${i}`, ts, ...full, extra: {}, ...kafka(i), ingested_at: loadedAt(i) };
});

const URLS = [
  {
    urlhaus_id: 3946827,
    url: "http://182.116.122.168:50444/bin.sh",
    host: "182.116.122.168",
    url_status: "offline",
    last_online: "2026-10-09T09:02:11Z",
    threat: "malware_download",
    tags: ["32-bit", "elf", "mips", "Mozi"],
    urlhaus_link: "https://urlhaus.abuse.ch/url/3946827/",
    reporter: "geenensp",
    date_added: "2026-10-09T06:17:08Z",
    revision: 2,
  },
  {
    urlhaus_id: 3946816,
    url: "https://docs-invoice-share.top/download/invoice_7731.zip",
    host: "docs-invoice-share.top",
    url_status: "online",
    last_online: "2026-10-09T06:10:00Z",
    threat: "malware_download",
    tags: ["zip", "AsyncRAT"],
    urlhaus_link: "https://urlhaus.abuse.ch/url/3946816/",
    reporter: "abuse_ch",
    date_added: "2026-10-09T06:05:51Z",
    revision: 2,
  },
  {
    urlhaus_id: 3946790,
    url: "http://[2001:db8::7]:8080/x86",
    host: "2001:db8::7",
    url_status: "unknown",
    last_online: null,
    threat: "malware_download",
    tags: [],
    urlhaus_link: "https://urlhaus.abuse.ch/url/3946790/",
    reporter: "lrz_urlhaus",
    date_added: "2026-10-09T05:41:30Z",
    revision: 1,
  },
].map((u) => ({ ...u, snapshot_key: "feeds/urlhaus/dt=2026-10-09/csv_recent-061708.csv.gz" }));

/** Changes as the feed published them; 3946700 is known only from its event. */
const URL_EVENTS = [
  {
    id: 3946827,
    r: 1,
    ts: "2026-10-09T06:20:03Z",
    change: "added",
    status: "online",
    tags: ["elf", "mips", "Mozi"],
  },
  {
    id: 3946827,
    r: 2,
    ts: "2026-10-09T09:10:04Z",
    change: "status_changed",
    status: "offline",
    tags: ["elf", "mips", "Mozi"],
  },
  { id: 3946816, r: 1, ts: "2026-10-09T06:10:02Z", change: "added", status: "online", tags: ["zip"] },
  {
    id: 3946816,
    r: 2,
    ts: "2026-10-09T06:25:01Z",
    change: "tags_changed",
    status: "online",
    tags: ["zip", "AsyncRAT"],
  },
  { id: 3946790, r: 1, ts: "2026-10-09T05:45:00Z", change: "added", status: "unknown", tags: [] },
  { id: 3946700, r: 1, ts: "2026-10-09T04:55:00Z", change: "added", status: "online", tags: ["sh"] },
].map((e, i) => {
  const url = URLS.find((u) => u.urlhaus_id === e.id);
  return {
    event_id: `urlhaus:${e.id}:r${e.r}`,
    ts: e.ts,
    change: e.change,
    urlhaus_id: e.id,
    url: url?.url ?? "http://45.95.147.236/sh",
    host: url?.host ?? "45.95.147.236",
    url_status: e.status,
    threat: "malware_download",
    tags: e.tags,
    date_added: url?.date_added ?? "2026-10-09T04:52:19Z",
    last_online: null,
    reporter: url?.reporter ?? "geenensp",
    extra: {},
    ...kafka(i, "urlhaus.events"),
    ingested_at: loadedAt(i),
  };
});

const kev = (cve: string, vendorRaw: string, product: string, added: string, due: string, more = {}) => ({
  cve_id: cve,
  vendor_project_raw: vendorRaw,
  vendor_project: vendorRaw.trim().replace(/\s+/g, " "),
  product,
  vulnerability_name: `${vendorRaw.trim()} ${product} Vulnerability`,
  date_added: added,
  short_description: `${product} contains a vulnerability.`,
  required_action:
    "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
  due_date: due,
  known_ransomware_campaign_use: "Unknown",
  ransomware_known: false,
  notes: `https://nvd.nist.gov/vuln/detail/${cve}`,
  notes_urls: [`https://nvd.nist.gov/vuln/detail/${cve}`],
  cwes: [],
  first_catalog_version: "2025.01.23",
  catalog_version: "2025.01.24",
  snapshot_key: "feeds/kev/dt=2025-01-24/known_exploited_vulnerabilities.json",
  ...more,
});

const KEV = [
  kev("CVE-2021-44228", "Apache", "Log4j2", "2021-12-10", "2021-12-24", {
    known_ransomware_campaign_use: "Known",
    ransomware_known: true,
    cwes: ["CWE-917"],
  }),
  // A real Emergency Directive carry-over: due before added, and the notes say why.
  kev("CVE-2021-34527", "Microsoft", "Windows", "2021-11-03", "2021-07-20", {
    known_ransomware_campaign_use: "Known",
    ransomware_known: true,
    notes:
      "Reference CISA's ED 21-04 (https://www.cisa.gov/news-events/directives/ed-21-04-mitigate-windows-print-spooler-service-vulnerability) for further guidance and requirements.",
    cwes: ["CWE-269"],
  }),
  // Published with a trailing space in the vendor; one vendor with the next row's spelling.
  kev("CVE-2023-28461", "Array Networks ", "AG/vxAG ArrayOS", "2024-11-25", "2024-12-16", {
    known_ransomware_campaign_use: "Known",
    ransomware_known: true,
    cwes: ["CWE-306"],
  }),
  kev("CVE-2022-42969", "Array Networks", "AG/vxAG ArrayOS", "2024-12-02", "2024-12-23"),
  kev("CVE-2022-28958", "D-Link", "DIR-816L", "2022-05-23", "2022-06-13", {
    removed_in_version: "2025.01.24",
  }),
];

const KEV_CHANGES = [
  ...KEV.map((k, i) => ({
    change_id: i + 1,
    cve_id: k.cve_id,
    change: "added",
    catalog_version: "2025.01.23",
    catalog_released_at: "2025-01-23T15:00:02Z",
  })),
  {
    change_id: 10,
    cve_id: "CVE-2023-28461",
    change: "modified",
    field: "knownRansomwareCampaignUse",
    before: "Unknown",
    after: "Known",
    catalog_version: "2025.01.24",
    catalog_released_at: "2025-01-24T14:59:40Z",
    previous_catalog_version: "2025.01.23",
  },
  {
    change_id: 11,
    cve_id: "CVE-2022-28958",
    change: "removed",
    catalog_version: "2025.01.24",
    catalog_released_at: "2025-01-24T14:59:40Z",
    previous_catalog_version: "2025.01.23",
  },
];

const count = (sql: string, params: unknown[] = []) => wh.scalar(sql, params);
const fct = () => `${wh.marts}.fct_threat_events`;

beforeAll(async () => {
  await wh.create();
  await wh.insert("raw", "threat_events", threatEvents);
  await wh.insert("raw", "urlhaus_urls", URLS);
  await wh.insert("raw", "urlhaus_events", URL_EVENTS);
  await wh.insert("raw", "kev_catalogs", [
    {
      catalog_version: "2025.01.23",
      date_released: "2025-01-23T15:00:02Z",
      entry_count: 4,
      snapshot_key: "a",
    },
    {
      catalog_version: "2025.01.24",
      date_released: "2025-01-24T14:59:40Z",
      entry_count: 4,
      snapshot_key: "b",
    },
  ]);
  await wh.insert("raw", "kev_vulnerabilities", KEV);
  await wh.insert("raw", "kev_changes", KEV_CHANGES);
  await wh.insert("ops", "feed_runs", [
    { run_id: 1, source: "kev", url: env.KEV_FEED_URL, ended_at: loadedAt(0), outcome: "loaded", records: 4 },
    {
      run_id: 2,
      source: "urlhaus",
      url: env.URLHAUS_FEED_URL,
      ended_at: loadedAt(1),
      outcome: "loaded",
      records: 3,
    },
  ]);
  // dbt installs itself on first use (about a minute); later runs find it in place.
  const install = await wh.dbt(["--install"]);
  expect(install.code, install.output).toBe(0);
}, 300_000);

afterAll(async () => {
  await wh.drop();
});

describe("warehouse (dbt)", () => {
  it("tests the same value sets the pipeline validates", () => {
    const project = parse(readFileSync(resolve(ROOT, "warehouse/dbt_project.yml"), "utf8"));
    expect(project.vars.attack_tactics).toEqual([...ATTACK_TACTICS]);
    expect(project.vars.url_statuses).toEqual(UrlhausEventSchema.shape.url_status.options);
    expect(project.vars.urlhaus_changes).toEqual(UrlhausEventSchema.shape.change.options);
  });

  it("builds a realistic data set into its own schemas, every test passing", async () => {
    const build = await wh.dbt(["build"]);
    expect(build.code, build.output).toBe(0);
    expect(build.summary, build.output).toMatch(/WARN=0 ERROR=0 SKIP=0/);

    const { rows } = await wh.pool.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_schema = ANY($1) ORDER BY 1, 2`,
      [[wh.staging, wh.marts]],
    );
    const inSchema = (schema: string) => rows.filter((r) => r.schema === schema).map((r) => r.name);
    expect(inSchema(wh.staging)).toEqual([
      "stg_kev",
      "stg_kev_catalogs",
      "stg_kev_changes",
      "stg_threat_events",
      "stg_urlhaus",
      "stg_urlhaus_events",
    ]);
    expect(inSchema(wh.marts)).toEqual([
      "dim_actor",
      "dim_date",
      "dim_ip",
      "dim_product",
      "dim_url",
      "dim_vendor",
      "fact_kev",
      "fact_kev_changes",
      "fact_url_events",
      "fct_security_detections",
      "fct_security_events_daily",
      "fct_threat_events",
      "fct_threat_events_daily",
      "fct_urlhaus_threat_events",
    ]);

    expect(await count(`SELECT count(*) AS n FROM ${fct()}`)).toBe(threatEvents.length);
    // "FIN7" and "fin7" are one actor.
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.dim_actor`)).toBe(4);
    expect(await count(`SELECT sum(event_count) AS n FROM ${wh.marts}.fct_threat_events_daily`)).toBe(
      threatEvents.length,
    );
    // Five target IPs, plus the two URL hosts that are addresses, plus the event-only URL's host.
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.dim_ip`)).toBe(IPS.length + 3);
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.dim_ip WHERE ip_scope = 'documentation'`)).toBe(
      4,
    );
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.dim_url`)).toBe(URLS.length + 1);
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.fct_urlhaus_threat_events`)).toBe(
      URL_EVENTS.length,
    );
    expect(
      await count(
        `SELECT count(*) AS n FROM ${wh.marts}.fact_url_events WHERE status_changed AND NOT is_latest`,
      ),
    ).toBe(2);
    // Every CVE once, the removed one flagged; "Array Networks " and "Array Networks" are one vendor.
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.fact_kev`)).toBe(KEV.length);
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.fact_kev WHERE is_removed`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.dim_vendor`)).toBe(4);
    expect(await count(`SELECT count(*) AS n FROM ${wh.marts}.fact_kev_changes`)).toBe(KEV_CHANGES.length);
  });

  it("merges late rows inside the lookback window, skips those outside, duplicates nothing", async () => {
    const newest = await wh.pool.query<{ at: Date }>(`SELECT max(ingested_at) AS at FROM ${fct()}`);
    const max = newest.rows[0]?.at.getTime() ?? 0;
    const base = threatEvents[0];
    const late = (id: string, ts: string, ingestedAt: number) => ({
      ...base,
      event_id: id,
      ts,
      ingested_at: new Date(ingestedAt).toISOString(),
    });
    await wh.insert("raw", "threat_events", [
      // committed late: older ingestion time than the newest row already built, but inside the window
      late("wh-late-inside", "2026-11-21T08:00:00Z", max - (LOOKBACK_HOURS - 1) * HOUR),
      // the same, but older than the window reaches: left for a --full-refresh
      late("wh-late-outside", "2026-11-21T09:00:00Z", max - (LOOKBACK_HOURS + 1) * HOUR),
      // late in event time only (happened a month ago, arrives now): the watermark is ingestion time
      late("wh-late-event-time", "2026-10-25T12:00:00Z", max + 60_000),
    ]);
    // A newer version of an event already built, as the ingest's upsert writes it.
    await wh.pool.query(
      `UPDATE ${wh.rawSchema}.threat_events SET score = 0.99, ts = ts + interval '1 second', ingested_at = $1
       WHERE event_id = 'wh-3'`,
      [new Date(max + 60_000).toISOString()],
    );

    const build = await wh.dbt(["build"], { lookback_hours: LOOKBACK_HOURS });
    expect(build.code, build.output).toBe(0);
    // The window's rows already built at the same version are skipped: exactly the three above are merged.
    expect(build.output).toMatch(/\.fct_threat_events\b[ .]*\[MERGE 3 in/);
    expect(readFileSync(wh.runSqlPath("fct_threat_events", "marts/threat_events"), "utf8")).toMatch(
      /merge into/i,
    );

    const ids = await wh.pool.query<{ event_id: string }>(
      `SELECT event_id FROM ${fct()} WHERE event_id LIKE 'wh-late-%' ORDER BY 1`,
    );
    expect(ids.rows.map((r) => r.event_id)).toEqual(["wh-late-event-time", "wh-late-inside"]);
    expect(await count(`SELECT count(*) AS n FROM ${fct()}`)).toBe(threatEvents.length + 2);
    expect(await count(`SELECT count(DISTINCT event_id) AS n FROM ${fct()}`)).toBe(threatEvents.length + 2);
    expect(await count(`SELECT score AS n FROM ${fct()} WHERE event_id = 'wh-3'`)).toBe(0.99);
    expect(await count(`SELECT sum(event_count) AS n FROM ${wh.marts}.fct_threat_events_daily`)).toBe(
      threatEvents.length + 2,
    );
  });

  it("fails the accepted_values test that guards url_status when a raw URL has an unknown status", async () => {
    await wh.insert("raw", "urlhaus_urls", [
      { ...URLS[0], urlhaus_id: 3946999, url: "http://182.116.122.168:50444/i", url_status: "suspended" },
    ]);
    const build = await wh.dbt(["build"]);
    expect(build.code, build.output).not.toBe(0);
    expect(build.output).toMatch(/FAIL 1 accepted_values_urlhaus_urls_url_status\b/);
    expect(build.summary, build.output).toMatch(/ERROR=1 /);
  });
});
