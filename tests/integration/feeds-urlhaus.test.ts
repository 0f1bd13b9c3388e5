import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedHttpError } from "../../layers/adapters/feeds/http-feed";
import { neo4jUrlGraph } from "../../layers/adapters/neo4j/feed-graph";
import { neo4jThreatGraph } from "../../layers/adapters/neo4j/threat-graph";
import type { UrlhausEvent } from "../../layers/core/events/urlhaus-event";
import { runUrlhausFetch } from "../../layers/core/feeds/urlhaus-run";
import { toGraphEvent } from "../../layers/core/graph/threat-graph";
import { toGraphUrl } from "../../layers/core/graph/url-graph";
import { describeRealData, readRealData } from "../support/real-data";
import { listKeys } from "./support/bronze";
import { waitFor } from "./support/env";
import { FeedSandbox, feedTestContext } from "./support/feed-sandbox";

// fetch-urlhaus against the real stack, the dumps served from a local HTTP server; each suite in its own
// copy of the feed tables, its own bucket and its own urlhaus.events topic.
const { c, server } = feedTestContext();

/** Every event the sandbox topic holds, read from the beginning. */
async function publishedEvents(box: FeedSandbox, expected: number): Promise<UrlhausEvent[]> {
  const events: UrlhausEvent[] = [];
  const consumer = c.kafka.consumer({ groupId: `read-${box.suffix}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: box.topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      events.push(JSON.parse(message.value?.toString("utf8") ?? "null") as UrlhausEvent);
    },
  });
  try {
    await waitFor(`${expected} events on ${box.topic}`, () => (events.length >= expected ? true : undefined));
  } finally {
    await consumer.disconnect();
  }
  return events;
}

describeRealData("fetch-urlhaus on the real CSV dumps", () => {
  const box = new FeedSandbox(c);
  let sample2022: string;
  let excerpt2026: string;
  beforeAll(async () => {
    await box.create();
    sample2022 = readRealData(
      "urlhaus/urlhaus_recent_sample_2022-09-13_BlazingVermilion_PARTLY_EDITED.csv",
    ).toString();
    excerpt2026 = readRealData("urlhaus/csv_recent_excerpt_2026-10-09_kavacha_TRANSCRIBED.csv").toString();
  });
  afterAll(() => box.destroy());

  it("loads the 2022 dump: 150 URLs, one 'added' event each, a snapshot and the run", async () => {
    server.serve("/csv_recent/", { body: sample2022, contentType: "text/csv", etag: true });
    const summary = await runUrlhausFetch(box.urlhausDeps(), server.url("/csv_recent/"));
    expect(summary).toMatchObject({
      outcome: "loaded",
      records: 150,
      rejected: 0,
      added: 150,
      changed: 0,
      published: 150,
      version: "2022-09-13T07:28:08Z",
    });
    expect(summary.snapshotKey).toMatch(/^feeds\/urlhaus\/dt=2022-09-13\/urlhaus-[0-9a-f]{16}\.csv$/);
    expect(await listKeys(c.s3, box.bucket, "feeds/urlhaus/")).toEqual([summary.snapshotKey]);
    expect(await box.count("urlhausUrls")).toBe(150);
    expect(await box.publishedCount()).toBe(150);
    const events = await publishedEvents(box, 150);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(150);
    expect(events.every((e) => e.change === "added" && /^urlhaus:\d+:r1$/.test(e.event_id))).toBe(true);

    const { rows } = await c.pool.query(
      `SELECT urlhaus_id::text AS id, host, url_status, tags, last_online, threat, reporter, revision
       FROM ${box.tables.urlhausUrls} WHERE urlhaus_id IN (2301008, 2301003) ORDER BY urlhaus_id`,
    );
    expect(rows).toEqual([
      {
        id: "2301003",
        host: "117.216.18.140",
        url_status: "online",
        tags: [],
        last_online: null,
        threat: "malware_download",
        reporter: "tammeto",
        revision: 1,
      },
      {
        id: "2301008",
        host: "117.216.19.13",
        url_status: "online",
        tags: ["32-bit", "elf", "mips", "Mozi"],
        last_online: null,
        threat: "malware_download",
        reporter: "geenensp",
        revision: 1,
      },
    ]);
    expect(await box.count("urlhausUrls", "url_status NOT IN ('online', 'offline')")).toBe(0);
    expect(await box.lastRun()).toMatchObject({
      source: "urlhaus",
      outcome: "loaded",
      records: 150,
      published: 150,
    });
  });

  it("a re-poll publishes nothing (a 304 on the ETag, and without one, no change)", async () => {
    const again = await runUrlhausFetch(box.urlhausDeps(), server.url("/csv_recent/"));
    expect(again).toMatchObject({ outcome: "not_modified", httpStatus: 304 });
    server.serve("/csv_recent/", { body: sample2022, contentType: "text/csv" });
    const full = await runUrlhausFetch(box.urlhausDeps(), server.url("/csv_recent/"));
    expect(full).toMatchObject({ outcome: "unchanged", published: 0, added: 0, changed: 0, unchanged: 150 });
    expect(await box.publishedCount()).toBe(150);
    expect(await listKeys(c.s3, box.bucket, "feeds/urlhaus/")).toHaveLength(1);
  });

  it("one changed status publishes exactly one event, with the next revision", async () => {
    const changed = sample2022.replace(
      '"2301006","2022-09-13 07:20:06","http://79.185.87.173:2435/.i","online"',
      '"2301006","2022-09-13 07:20:06","http://79.185.87.173:2435/.i","offline"',
    );
    expect(changed).not.toBe(sample2022);
    server.serve("/csv_recent/", { body: changed, contentType: "text/csv" });
    const summary = await runUrlhausFetch(box.urlhausDeps(), server.url("/csv_recent/"));
    expect(summary).toMatchObject({ outcome: "loaded", published: 1, changed: 1, unchanged: 149 });
    expect(await box.publishedCount()).toBe(151);
    const events = await publishedEvents(box, 151);
    const change = events.filter((e) => e.change !== "added");
    expect(change).toEqual([
      expect.objectContaining({
        event_id: "urlhaus:2301006:r2",
        change: "status_changed",
        url_status: "offline",
        previous_status: "online",
        host: "79.185.87.173",
      }),
    ]);
    expect(
      await box.count("urlhausUrls", "urlhaus_id = 2301006 AND url_status = 'offline' AND revision = 2"),
    ).toBe(1);
    // The same poll again: the change is stored, nothing new goes out.
    const again = await runUrlhausFetch(box.urlhausDeps(), server.url("/csv_recent/"));
    expect(again).toMatchObject({ published: 0 });
  });

  it("loads the 2026 excerpt: 38 URLs, 'None' tags empty, trailing spaces trimmed, offline rows kept", async () => {
    server.serve("/excerpt/", { body: excerpt2026, contentType: "text/csv" });
    const summary = await runUrlhausFetch(box.urlhausDeps(), server.url("/excerpt/"));
    expect(summary).toMatchObject({ records: 38, rejected: 0, added: 38, published: 38 });
    expect(await box.count("urlhausUrls", "snapshot_key = $1", [summary.snapshotKey])).toBe(38);
    expect(
      await box.count(
        "urlhausUrls",
        "urlhaus_id = 3946822 AND url_status = 'offline' AND last_online IS NULL",
      ),
    ).toBe(1);
    expect(await box.count("urlhausUrls", "urlhaus_id = 3946825 AND tags = '{GuLoader,rat,RemcosRAT}'")).toBe(
      1,
    );
    expect(
      await box.count(
        "urlhausUrls",
        "EXISTS (SELECT 1 FROM unnest(tags) t WHERE t <> btrim(t) OR t = 'None')",
      ),
    ).toBe(0);
    expect(
      await box.count("urlhausUrls", "url = $1", [
        "https://drive.google.com/uc?export=download&id=1L_cku7GNkFeUfFiU2VEsvHDZJbSvzJMx",
      ]),
    ).toBe(1);
  });
});

describe("fetch-urlhaus over the JSON API, and the graph", () => {
  const box = new FeedSandbox(c);
  const id = 9_000_000 + (Number.parseInt(box.suffix, 16) % 900_000);
  const ip = `198.18.${Number.parseInt(box.suffix.slice(0, 2), 16)}.${Number.parseInt(box.suffix.slice(2, 4), 16)}`;
  const apiBody = JSON.stringify({
    query_status: "ok",
    urls: [
      {
        id: String(id),
        urlhaus_reference: `https://urlhaus.abuse.ch/url/${id}/`,
        url: `http://${ip}:8080/bins/mozi.m`,
        url_status: "online",
        host: ip,
        date_added: "2026-11-20 10:00:00 UTC",
        threat: "malware_download",
        blacklists: { spamhaus_dbl: "not listed", surbl: "not listed" },
        reporter: "lrz_urlhaus",
        larted: "true",
        tags: ["elf", "Mozi"],
      },
      {
        id: String(id + 1),
        urlhaus_reference: `https://urlhaus.abuse.ch/url/${id + 1}/`,
        url: `https://cdn-${box.suffix}.example/invoice.zip`,
        url_status: "online",
        host: `cdn-${box.suffix}.example`,
        date_added: "2026-11-20 10:05:00 UTC",
        threat: "malware_download",
        blacklists: {},
        reporter: "abuse_ch",
        larted: "false",
        tags: null,
      },
    ],
  });
  beforeAll(() => box.create());
  afterAll(async () => {
    await box.destroy();
    await c.neo4j.executeQuery(
      "MATCH (n) WHERE (n:IPAddress AND n.value = $ip) OR (n:Host AND n.name = $domain) OR (n:URL AND n.urlhaus_id IN $ids) OR (n:ThreatEvent AND n.event_id = $eventId) DETACH DELETE n",
      {
        ip,
        domain: `cdn-${box.suffix}.example`,
        ids: [String(id), String(id + 1)],
        eventId: `evt-${box.suffix}`,
      },
    );
  });

  it("sends the Auth-Key, and a missing or wrong key fails clearly", async () => {
    server.serve(`/v1/urls/recent/${box.suffix}/`, {
      body: apiBody,
      contentType: "application/json",
      requireHeaders: { "auth-key": "test-key" },
    });
    const url = server.url(`/v1/urls/recent/${box.suffix}/`);
    const denied = runUrlhausFetch(box.urlhausDeps(), url, { "Auth-Key": "wrong" });
    await expect(denied).rejects.toBeInstanceOf(FeedHttpError);
    await expect(denied).rejects.toThrow(/answered HTTP 401/);
    const summary = await runUrlhausFetch(box.urlhausDeps(), url, { "Auth-Key": "test-key" });
    expect(summary).toMatchObject({ outcome: "loaded", records: 2, published: 2 });
  });

  it("detects an error reported inside an HTTP 200 body", async () => {
    server.serve(`/v1/bad/${box.suffix}/`, {
      body: JSON.stringify({ query_status: "unknown_auth_key" }),
      contentType: "application/json",
    });
    await expect(runUrlhausFetch(box.urlhausDeps(), server.url(`/v1/bad/${box.suffix}/`))).rejects.toThrow(
      /urlhaus feed rejected: .*unknown_auth_key/,
    );
    expect(await box.lastRun()).toMatchObject({ outcome: "rejected", http_status: 200 });
  });

  it("an IP-literal host is the very IPAddress node threat events target", async () => {
    const events = await publishedEvents(box, 2);
    await neo4jUrlGraph(c.neo4j).mergeUrls(events.map(toGraphUrl));
    await neo4jThreatGraph(c.neo4j).mergeEvents([
      toGraphEvent(
        { event_id: `evt-${box.suffix}`, ts: "2026-11-20T11:00:00Z", actor: "FIN7", ip, score: 0.9 },
        { topic: "threat.events", partition: 0, offset: 1, timestamp: Date.now(), key: null },
      ),
    ]);
    const { records } = await c.neo4j.executeQuery(
      `MATCH (i:IPAddress {value: $ip})
       OPTIONAL MATCH (t:ThreatEvent)-[:TARGETED]->(i)
       OPTIONAL MATCH (u:URL)-[:HOSTED_ON]->(i)
       RETURN count(DISTINCT i) AS ips, collect(DISTINCT t.event_id) AS events, collect(DISTINCT u.value) AS urls,
              i:Host AS isHost`,
      { ip },
    );
    expect(records[0]?.toObject()).toEqual({
      ips: expect.anything(),
      events: [`evt-${box.suffix}`],
      urls: [`http://${ip}:8080/bins/mozi.m`],
      isHost: true,
    });
    const domain = await c.neo4j.executeQuery(
      "MATCH (u:URL)-[:HOSTED_ON]->(h:Host {name: $name}) WHERE NOT h:IPAddress RETURN u.status AS status, u.tags AS tags",
      { name: `cdn-${box.suffix}.example` },
    );
    expect(domain.records[0]?.toObject()).toEqual({ status: "online", tags: [] });
  });
});
