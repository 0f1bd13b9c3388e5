import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresFeedQueries } from "../../layers/adapters/postgres/feed-search";
import { feedTables } from "../../layers/adapters/postgres/feed-tables";
import { eventListQuery } from "../../layers/adapters/postgres/investigations";
import { postgresIpEvidence } from "../../layers/adapters/postgres/ip-evidence";
import type { EventFilter } from "../../layers/core/api/events";
import type { UrlFilter } from "../../layers/core/api/feeds";
import { readSettings } from "../../layers/runtime/config";
import { endPools, postgresPoolsFor } from "../../layers/runtime/postgres";
import { uniqueSuffix } from "./support/env";

/**
 * How the API's reads find their rows, whatever the data holds. The IP pivot's URL part, on a table whose
 * statistics tempt the planner away from the host index: few host names, rows written in date order (a date
 * index that matches the heap). The pivot's statements run with generic plans (the read pool), so one plan
 * serves every address, also one that hosts no URL at all, for which walking the date index and filtering
 * on the host reads the whole table. The events list: an index for each filter that names a value. And the
 * URL list (planned for its values): a tag or threat no URL has is answered off an index.
 */
const pools = postgresPoolsFor(readSettings());
const schema = `t_${uniqueSuffix()}_raw`;
const tables = feedTables({ raw: schema });
const HOSTS = ["198.51.100.1", "198.51.100.2"];
const URLS = 5_000;
const EVENTS = 60_000;
const events = `${schema}.threat_events` as const;

/** The statements a pool is asked to run, in order, with their values. */
function recording(pool: pg.Pool): { pool: pg.Pool; seen: pg.QueryConfig[] } {
  const seen: pg.QueryConfig[] = [];
  const query = (config: pg.QueryConfig) => {
    seen.push(config);
    return pool.query(config);
  };
  return { pool: { query } as unknown as pg.Pool, seen };
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
type ExplainRows = { "QUERY PLAN": [{ Plan: PlanNode }] }[];

/** The nodes of the plan `EXPLAIN (FORMAT JSON)` returned. */
function planNodes(rows: ExplainRows): PlanNode[] {
  const plan = rows[0]?.["QUERY PLAN"][0]?.Plan;
  if (!plan) throw new Error("EXPLAIN returned no plan");
  return nodes(plan);
}

/** The generic plan of `config` as the read pool runs it, executed (EXPLAIN ANALYZE): its nodes. */
async function genericPlan(config: pg.QueryConfig): Promise<PlanNode[]> {
  const client = await pools.readPool.connect();
  try {
    const literal = (v: unknown): string =>
      Array.isArray(v)
        ? `ARRAY[${v.map(literal).join(", ")}]::text[]`
        : typeof v === "number"
          ? String(v)
          : client.escapeLiteral(String(v));
    await client.query(`PREPARE generic_plan AS ${config.text}`);
    const { rows } = await client.query<ExplainRows[number]>(
      `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE generic_plan(${(config.values ?? []).map(literal).join(", ")})`,
    );
    await client.query("DEALLOCATE generic_plan");
    return planNodes(rows);
  } finally {
    client.release();
  }
}

/** The plan `config` runs with on the value-planned pool (planned for its values), executed: its nodes. */
async function valuePlan(config: pg.QueryConfig): Promise<PlanNode[]> {
  const { rows } = await pools.pool.query<ExplainRows[number]>({
    text: `EXPLAIN (ANALYZE, FORMAT JSON) ${config.text}`,
    values: config.values,
  });
  return planNodes(rows);
}

beforeAll(async () => {
  await pools.pool.query(`CREATE SCHEMA ${schema}`);
  for (const table of ["urlhaus_urls", "kev_vulnerabilities"]) {
    await pools.pool.query(`CREATE TABLE ${schema}.${table} (LIKE raw.${table} INCLUDING ALL)`);
  }
  await pools.pool.query(
    `INSERT INTO ${tables.urlhausUrls} (urlhaus_id, url, host, url_status, threat, tags, date_added, snapshot_key)
     SELECT i, 'http://' || ($1::text[])[1 + i % 2] || '/p/' || i, ($1::text[])[1 + i % 2], 'online',
       CASE WHEN i % 1000 = 0 THEN 'botnet_cc' ELSE 'malware_download' END,
       CASE WHEN i % 500 = 0 THEN ARRAY['Mozi', 'elf'] ELSE ARRAY['Mozi'] END,
       timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute', 'plan-test'
     FROM generate_series(1, $2::int) AS i`,
    [HOSTS, URLS],
  );
  await pools.pool.query(`ANALYZE ${tables.urlhausUrls}`);
  // Events written in time order (the time index matches the heap), each filter's values few and common:
  // what tempts a plan to walk the time index and filter, reading every newer event for a rare value.
  await pools.pool.query(`CREATE TABLE ${events} (LIKE raw.threat_events INCLUDING ALL)`);
  await pools.pool.query(
    `INSERT INTO ${events} (event_id, ts, type, actor, ip, tactic, score, country, channel,
       kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, bronze_key)
     SELECT 'plan-' || lpad(i::text, 6, '0'), timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute',
       'type-' || i % 7, 'actor-' || i % 11, ('198.51.100.' || i % 13)::inet,
       (ARRAY['execution', 'discovery', 'impact'])[1 + i % 3], (i % 100) / 100.0,
       (ARRAY['DE', 'US', 'FR', 'JP', 'BR'])[1 + i % 5], (ARRAY['web', 'email'])[1 + i % 2],
       'plan-test', 0, i, now(), 'plan-test'
     FROM generate_series(1, $1::int) AS i`,
    [EVENTS],
  );
  await pools.pool.query(`ANALYZE ${events}`);
});

afterAll(async () => {
  await pools.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await endPools(pools);
});

describe("the IP pivot's URLs under a generic plan", () => {
  it("an address hosting no URL reads the host index, not every URL in date order", async () => {
    const { pool, seen } = recording(pools.readPool);
    const none = await postgresIpEvidence(pool, tables).ofIp("198.51.100.77", ["198.51.100.77"], {
      limit: 20,
    });
    expect(none.urls.count).toBe(0);

    const urlScans = (await genericPlan(seen[0] as pg.QueryConfig)).filter(
      (n) => n["Relation Name"] === "urlhaus_urls",
    );
    // The copy's indexes are named after their columns: the host index's name starts with its first.
    expect(urlScans.map((n) => n["Node Type"])).toEqual(["Index Scan"]);
    expect(urlScans[0]?.["Index Name"]).toMatch(/^urlhaus_urls_host_date_added/);
    expect(urlScans[0]?.["Rows Removed by Filter"] ?? 0).toBe(0);
  });

  it("a busy host's page is its newest URLs, newest first", async () => {
    const host = HOSTS[0] as string;
    const evidence = await postgresIpEvidence(pools.readPool, tables).ofIp(host, [host], { limit: 20 });
    const urls = JSON.parse(evidence.urls.text) as { urlhaus_id: string; host: string }[];
    expect(evidence.urls.count).toBe(20);
    expect(urls.every((u) => u.host === host)).toBe(true);
    // The first host holds the even ids; the newest is the highest.
    expect(urls.map((u) => Number(u.urlhaus_id))).toEqual(Array.from({ length: 20 }, (_, k) => URLS - 2 * k));
  });
});

describe("the events list's filters", () => {
  it("each filter naming a value (type, actor, tactic, country, channel, ip) has an index in the keyset order", async () => {
    // A filter left to the time index reads every event newer than its page: for a value no event has,
    // the whole table. With its own index in (ts, event_id) order, a page is read straight off it.
    const { rows } = await pools.pool.query<{ def: string }>(
      "SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = 'raw.threat_events'::regclass",
    );
    const keyset = (column: string) => `USING btree (${column}, ts DESC, event_id DESC)`;
    const missing = ["type", "actor", "tactic", "country", "channel", "ip"].filter(
      (column) => !rows.some((r) => r.def.endsWith(keyset(column))),
    );
    expect(missing).toEqual([]);
  });

  // Each filter with a value events have (a full page) and one none has, the pair with its own index, the
  // IP and actor together (the IP's index leads): the first page and one deep in the list (its cursor half
  // way down). The copy's indexes are named after their columns.
  const index = (columns: string) => new RegExp(`^threat_events_${columns}_ts_event_id_idx`);
  const valued = (filter: EventFilter, columns: string, rows: number) => ({
    filter,
    index: index(columns),
    rows,
  });
  // Per filter: a value events have (a full page) and one none has.
  const values: [keyof EventFilter, string, string][] = [
    ["type", "type-3", "no-such-type"],
    ["actor", "actor-5", "no-such-actor"],
    ["tactic", "impact", "exfiltration"],
    ["country", "JP", "NZ"],
    ["channel", "email", "vpn"],
    ["ip", "198.51.100.4", "2001:db8::7"],
  ];
  const cases = [
    ...values.flatMap(([column, some, none]) => [
      valued({ [column]: some }, column, 51),
      valued({ [column]: none }, column, 0),
    ]),
    valued({ actor: "actor-5", tactic: "impact" }, "actor_tactic", 51),
    valued({ actor: "actor-5", tactic: "exfiltration" }, "actor_tactic", 0),
    valued({ ip: "198.51.100.4", actor: "actor-5" }, "ip", 51),
  ];
  const pages = cases.flatMap((c) => [
    { ...c, page: "first" as const },
    { ...c, page: "deep" as const },
  ]);

  it.each(pages)("reads the $page page of $filter straight off its index, sorting nothing", async (c) => {
    // The list's generic plan (the read pool's), as it runs a page of 50 (51 rows: the last says "more").
    const after = c.page === "deep" ? (["2025-01-21T00:00:00.000000Z", "plan-028800"] as const) : undefined;
    const values: unknown[] = [];
    const { sql } = eventListQuery(c.filter, after && [...after], 51, values, { table: events });
    const plan = await genericPlan({ text: sql, values });
    const scans = plan.filter((n) => n["Relation Name"] === "threat_events");
    expect(scans.map((n) => [n["Node Type"], n["Index Name"]])).toEqual([
      ["Index Scan", expect.stringMatching(c.index)],
    ]);
    expect(plan.filter((n) => n["Node Type"] === "Sort")).toEqual([]);
    // What the index gives is the page: a value events have fills it, one none has reads nothing. The IP
    // and actor together: the IP's events, of which every 143rd is the actor's.
    const [scan] = scans;
    const removed = scan?.["Rows Removed by Filter"] ?? 0;
    if (c.filter.ip && c.filter.actor) expect(scan?.["Actual Rows"]).toBe(51);
    else expect([scan?.["Actual Rows"], removed]).toEqual([c.rows, 0]);
  });
});

describe("the URL list's filters", () => {
  const list = (filter: UrlFilter, pool = pools.pool) =>
    postgresFeedQueries(pool, tables).listUrls(filter, { limit: 50 });
  const ids = (page: Awaited<ReturnType<typeof list>>) => page.map((p) => Number(p.position[1]));

  it("a tag or threat no URL has is answered off an index, not by testing every URL", async () => {
    for (const filter of [{ tag: "no-such-tag" }, { threat: "no_such_threat" }]) {
      const { pool, seen } = recording(pools.pool);
      expect(await list(filter, pool)).toEqual([]);
      const urlScans = (await valuePlan(seen[0] as pg.QueryConfig)).filter(
        (n) => n["Relation Name"] === "urlhaus_urls",
      );
      expect(urlScans.length, JSON.stringify(filter)).toBeGreaterThan(0);
      for (const scan of urlScans) {
        expect(scan["Node Type"], JSON.stringify(filter)).not.toBe("Seq Scan");
        expect(scan["Rows Removed by Filter"] ?? 0, JSON.stringify(filter)).toBe(0);
      }
    }
  });

  it("pages of a rare tag (any case), a common one and a rare threat: their URLs, newest first", async () => {
    // Every 500th URL carries `elf`, every 1000th is a botnet C&C; all carry `Mozi`. A list reads one row
    // beyond its limit (whether there is a next page).
    expect(ids(await list({ tag: "ELF" }))).toEqual(Array.from({ length: 10 }, (_, k) => URLS - 500 * k));
    expect(ids(await list({ tag: "mozi" }))).toEqual(Array.from({ length: 51 }, (_, k) => URLS - k));
    expect(ids(await list({ threat: "botnet_cc" }))).toEqual(
      Array.from({ length: 5 }, (_, k) => URLS - 1000 * k),
    );
  });
});
