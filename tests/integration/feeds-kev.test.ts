import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeedHttpError } from "../../layers/adapters/feeds/http-feed";
import { FeedRejectedError } from "../../layers/core/errors";
import type { KevCatalog, KevEntry } from "../../layers/core/feeds/kev-catalog";
import { runKevFetch } from "../../layers/core/feeds/kev-run";
import { describeRealData, readRealData } from "../support/real-data";
import { listKeys } from "./support/bronze";
import { FeedSandbox, feedTestContext } from "./support/feed-sandbox";

// fetch-kev against the real stack, the feed served from a local HTTP server (no feed host is reachable
// from tests); every test in its own copy of the feed tables, bucket and topic.
const { c, server } = feedTestContext();

describeRealData("fetch-kev on the real catalogue 2025.01.24", () => {
  const box = new FeedSandbox(c);
  let real: Buffer;
  let truncated: Buffer;
  beforeAll(async () => {
    await box.create();
    real = readRealData("kev/kev_2025.01.24.json");
    truncated = readRealData("kev/kev_2025-02-25_TRUNCATED_malformed.json");
  });
  afterAll(() => box.destroy());

  it("loads 1,252 rows, snapshots the publication byte for byte and records the run", async () => {
    server.serve("/kev.json", { body: real, contentType: "application/json" });
    const summary = await runKevFetch(box.kevDeps(), server.url("/kev.json"));
    expect(summary).toMatchObject({
      outcome: "loaded",
      httpStatus: 200,
      bytes: real.length,
      records: 1252,
      added: 1252,
      changed: 0,
      removed: 0,
      version: "2025.01.24",
      snapshotKey: "feeds/kev/dt=2025-01-24/kev-2025.01.24.json",
    });
    expect(await box.count("kevVulnerabilities")).toBe(1252);
    expect(await box.count("kevChanges", "change = 'added' AND catalog_version = '2025.01.24'")).toBe(1252);
    expect(await box.count("kevCatalogs")).toBe(1);

    const object = await c.s3.send(
      new GetObjectCommand({ Bucket: box.bucket, Key: summary.snapshotKey ?? "" }),
    );
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? [])).toEqual(real);

    expect(await box.lastRun()).toMatchObject({
      source: "kev",
      outcome: "loaded",
      http_status: 200,
      bytes: String(real.length),
      records: 1252,
      added: 1252,
      changed: 0,
      unchanged: 0,
      version: "2025.01.24",
      error: null,
    });
  });

  it("keeps all eleven fields: cwes as an array, the ransomware flag, URLs of notes, vendor raw and normalised", async () => {
    const { rows } = await c.pool.query(
      `SELECT cve_id, vendor_project_raw, vendor_project, cwes, known_ransomware_campaign_use, ransomware_known,
              notes_urls, to_char(date_added, 'YYYY-MM-DD') AS date_added, to_char(due_date, 'YYYY-MM-DD') AS due_date
       FROM ${box.tables.kevVulnerabilities} WHERE cve_id IN ('CVE-2025-23006', 'CVE-2023-28461') ORDER BY cve_id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        cve_id: "CVE-2023-28461",
        vendor_project_raw: "Array Networks ",
        vendor_project: "Array Networks",
      }),
      expect.objectContaining({
        cve_id: "CVE-2025-23006",
        vendor_project: "SonicWall",
        cwes: ["CWE-502"],
        known_ransomware_campaign_use: "Unknown",
        ransomware_known: false,
        date_added: "2025-01-24",
        due_date: "2025-02-14",
        notes_urls: [
          "https://psirt.global.sonicwall.com/vuln-detail/SNWLID-2025-0002",
          "https://nvd.nist.gov/vuln/detail/CVE-2025-23006",
        ],
      }),
    ]);
    const flags = await c.pool.query<{ known_ransomware_campaign_use: string; n: string }>(
      `SELECT known_ransomware_campaign_use, count(*) AS n FROM ${box.tables.kevVulnerabilities} GROUP BY 1 ORDER BY 1`,
    );
    expect(flags.rows.map((r) => r.known_ransomware_campaign_use)).toEqual(["Known", "Unknown"]);
    expect(await box.count("kevVulnerabilities", "cardinality(cwes) > 3")).toBe(0);
  });

  it("puts every CVE in the graph: (Vulnerability)-[:AFFECTS]->(Product)-[:MADE_BY]->(Vendor)", async () => {
    const cves = (JSON.parse(real.toString("utf8")) as KevCatalog).vulnerabilities.map((v) => v.cveID);
    const { records } = await c.neo4j.executeQuery(
      `UNWIND $cves AS cve
       MATCH (v:Vulnerability {cve: cve})-[:AFFECTS]->(:Product)-[:MADE_BY]->(:Vendor)
       RETURN count(DISTINCT v) AS n`,
      { cves },
    );
    expect(Number(records[0]?.get("n"))).toBe(1252);
    const vendor = await c.neo4j.executeQuery(
      "MATCH (:Vulnerability {cve: 'CVE-2023-28461'})-[:AFFECTS]->(p:Product)-[:MADE_BY]->(v:Vendor) RETURN v.name AS name",
    );
    expect(vendor.records[0]?.get("name")).toBe("Array Networks");
  });

  it("served again: no new snapshot, no change, and the run says unchanged", async () => {
    const before = await box.fingerprint("kevVulnerabilities");
    const summary = await runKevFetch(box.kevDeps(), server.url("/kev.json"));
    expect(summary).toMatchObject({
      outcome: "unchanged",
      added: 0,
      changed: 0,
      removed: 0,
      unchanged: 1252,
    });
    expect(await listKeys(c.s3, box.bucket, "feeds/kev/")).toEqual([
      "feeds/kev/dt=2025-01-24/kev-2025.01.24.json",
    ]);
    expect(await box.fingerprint("kevVulnerabilities")).toBe(before);
    expect(await box.count("kevChanges")).toBe(1252);
  });

  it("with an ETag: the next poll is a conditional GET answered 304, recorded as not_modified", async () => {
    server.serve("/kev-etag.json", { body: real, contentType: "application/json", etag: true });
    expect((await runKevFetch(box.kevDeps(), server.url("/kev-etag.json"))).outcome).toBe("unchanged");
    const summary = await runKevFetch(box.kevDeps(), server.url("/kev-etag.json"));
    expect(summary).toMatchObject({ outcome: "not_modified", httpStatus: 304, version: "2025.01.24" });
    expect(server.requests.at(-1)?.headers["if-none-match"]).toMatch(/^"[0-9a-f]{20}"$/);
  });

  it("rejects the truncated publication clearly, records it, and changes no row", async () => {
    const before = await box.fingerprint("kevVulnerabilities");
    server.serve("/kev.json", { body: truncated, contentType: "application/json" });
    const failure = runKevFetch(box.kevDeps(), server.url("/kev.json"));
    await expect(failure).rejects.toBeInstanceOf(FeedRejectedError);
    await expect(failure).rejects.toThrow(
      /kev feed rejected: .*truncated.*\(at character 276,042, line \d+, column \d+\)/s,
    );
    const run = await box.lastRun();
    expect(run).toMatchObject({ outcome: "rejected", http_status: 200, bytes: String(truncated.length) });
    expect(String(run.error)).toMatch(/truncated/);
    expect(await box.fingerprint("kevVulnerabilities")).toBe(before);
    expect(await box.count("kevChanges")).toBe(1252);
    expect(await listKeys(c.s3, box.bucket, "feeds/kev/")).toHaveLength(1);
  });
});

/** A hand-written catalogue: a few entries under CVE numbers of this test's own. */
function catalogue(version: string, released: string, entries: KevEntry[]): string {
  return JSON.stringify({
    title: "CISA Catalog of Known Exploited Vulnerabilities",
    catalogVersion: version,
    dateReleased: released,
    count: entries.length,
    vulnerabilities: entries,
  });
}

describe("fetch-kev change history (hand-written catalogues)", () => {
  const box = new FeedSandbox(c);
  const n = Number.parseInt(box.suffix, 16) % 90_000;
  const cve = (i: number) => `CVE-2099-${String(n * 10 + i).padStart(6, "0")}`;
  const vendor = `Acme ${box.suffix}`;
  const entry = (i: number, over: Partial<KevEntry> = {}): KevEntry => ({
    cveID: cve(i),
    vendorProject: vendor,
    product: `Gateway ${i}`,
    vulnerabilityName: `Acme Gateway ${i} Command Injection`,
    dateAdded: "2099-01-10",
    shortDescription: `Gateway ${i} lets a remote attacker run commands.`,
    requiredAction: "Apply mitigations per vendor instructions.",
    dueDate: "2099-01-31",
    knownRansomwareCampaignUse: "Unknown",
    notes: `https://acme.example/advisory/${i} ; https://nvd.nist.gov/vuln/detail/${cve(i)}`,
    cwes: ["CWE-78"],
    ...over,
  });
  beforeAll(() => box.create());
  afterAll(async () => {
    await box.destroy();
    await c.neo4j.executeQuery(
      "MATCH (v:Vendor {name: $vendor}) OPTIONAL MATCH (v)<-[:MADE_BY]-(p:Product) OPTIONAL MATCH (p)<-[:AFFECTS]-(x:Vulnerability) DETACH DELETE v, p, x",
      { vendor },
    );
  });

  const load = async (version: string, released: string, entries: KevEntry[]) => {
    server.serve(`/history-${box.suffix}.json`, { body: catalogue(version, released, entries) });
    return runKevFetch(box.kevDeps(), server.url(`/history-${box.suffix}.json`));
  };
  const history = async () =>
    (
      await c.pool.query(
        `SELECT cve_id, change, field, before, after, catalog_version, previous_catalog_version
         FROM ${box.tables.kevChanges} WHERE catalog_version <> '2099.01.10' ORDER BY change_id`,
      )
    ).rows;

  it("records exactly the additions, the field modifications and the removals of each version", async () => {
    const v1 = await load("2099.01.10", "2099-01-10T15:00:00.000Z", [entry(1), entry(2), entry(3)]);
    expect(v1).toMatchObject({ outcome: "loaded", added: 3, changed: 0, removed: 0 });

    const v2 = await load("2099.01.11", "2099-01-11T15:00:00.000Z", [
      entry(1),
      entry(2, { knownRansomwareCampaignUse: "Known", cwes: ["CWE-78", "CWE-20"], product: "Gateway 2 Pro" }),
      entry(4),
    ]);
    expect(v2).toMatchObject({ outcome: "loaded", added: 1, changed: 1, removed: 1, unchanged: 1 });
    expect(await history()).toEqual([
      {
        cve_id: cve(2),
        change: "modified",
        field: "product",
        before: "Gateway 2",
        after: "Gateway 2 Pro",
        catalog_version: "2099.01.11",
        previous_catalog_version: "2099.01.10",
      },
      {
        cve_id: cve(2),
        change: "modified",
        field: "knownRansomwareCampaignUse",
        before: "Unknown",
        after: "Known",
        catalog_version: "2099.01.11",
        previous_catalog_version: "2099.01.10",
      },
      {
        cve_id: cve(2),
        change: "modified",
        field: "cwes",
        before: ["CWE-78"],
        after: ["CWE-78", "CWE-20"],
        catalog_version: "2099.01.11",
        previous_catalog_version: "2099.01.10",
      },
      {
        cve_id: cve(3),
        change: "removed",
        field: null,
        before: expect.objectContaining({ cveID: cve(3), product: "Gateway 3" }),
        after: null,
        catalog_version: "2099.01.11",
        previous_catalog_version: "2099.01.10",
      },
      {
        cve_id: cve(4),
        change: "added",
        field: null,
        before: null,
        after: expect.objectContaining({ cveID: cve(4) }),
        catalog_version: "2099.01.11",
        previous_catalog_version: "2099.01.10",
      },
    ]);

    const { rows } = await c.pool.query(
      `SELECT cve_id, product, ransomware_known, cwes, removed_in_version, first_catalog_version, catalog_version
       FROM ${box.tables.kevVulnerabilities} ORDER BY cve_id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({ cve_id: cve(1), removed_in_version: null, catalog_version: "2099.01.11" }),
      expect.objectContaining({
        cve_id: cve(2),
        product: "Gateway 2 Pro",
        ransomware_known: true,
        cwes: ["CWE-78", "CWE-20"],
        first_catalog_version: "2099.01.10",
      }),
      expect.objectContaining({ cve_id: cve(3), removed_in_version: "2099.01.11" }),
      expect.objectContaining({
        cve_id: cve(4),
        first_catalog_version: "2099.01.11",
        removed_in_version: null,
      }),
    ]);
    const graph = await c.neo4j.executeQuery(
      "MATCH (v:Vulnerability {cve: $cve})-[:AFFECTS]->(p:Product) RETURN v.in_catalog AS live, collect(p.name) AS products",
      { cve: cve(3) },
    );
    expect(graph.records[0]?.get("live")).toBe(false);
    // cve(2)'s product was renamed: it affects the new one only, as its row names it.
    const renamed = await c.neo4j.executeQuery(
      "MATCH (v:Vulnerability {cve: $cve})-[:AFFECTS]->(p:Product) RETURN collect(p.name) AS products",
      { cve: cve(2) },
    );
    expect(renamed.records[0]?.get("products")).toEqual(["Gateway 2 Pro"]);
  });

  it("an older catalogue a stale mirror still serves changes nothing", async () => {
    const before = await box.fingerprint("kevVulnerabilities");
    const stale = await load("2099.01.10", "2099-01-10T15:00:00.000Z", [entry(1), entry(2), entry(3)]);
    expect(stale).toMatchObject({ outcome: "unchanged" });
    expect(stale.error).toMatch(/older than the loaded 2099\.01\.11/);
    expect(await box.fingerprint("kevVulnerabilities")).toBe(before);
  });

  it("retries a 503 with backoff, and fails clearly on a 404 without touching the data", async () => {
    const path = `/flaky-${box.suffix}.json`;
    server.serve(path, {
      body: catalogue("2099.01.12", "2099-01-12T15:00:00.000Z", [entry(1), entry(4)]),
      status: 503,
      failTimes: 2,
    });
    const served = server.requests.length;
    const summary = await runKevFetch(box.kevDeps(), server.url(path));
    expect(summary).toMatchObject({ outcome: "loaded", removed: 1, httpStatus: 200 });
    expect(server.requests.length - served).toBe(3);

    const before = await box.fingerprint("kevVulnerabilities");
    const missing = runKevFetch(box.kevDeps(), server.url("/nowhere.json"));
    await expect(missing).rejects.toBeInstanceOf(FeedHttpError);
    await expect(missing).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/nowhere\.json answered HTTP 404/);
    expect(await box.lastRun()).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/HTTP 404/),
    });
    expect(await box.fingerprint("kevVulnerabilities")).toBe(before);
  });

  it("keeps a version CISA publishes again, later the same day, in a snapshot of its own", async () => {
    // 2099.01.12 was loaded (15:00) by the test before; CISA publishes it again at 19:00 with a note changed.
    const body = catalogue("2099.01.12", "2099-01-12T19:00:00.000Z", [
      entry(1, { notes: "updated" }),
      entry(4),
    ]);
    server.serve(`/again-${box.suffix}.json`, { body });
    const again = await runKevFetch(box.kevDeps(), server.url(`/again-${box.suffix}.json`));
    expect(again).toMatchObject({
      outcome: "loaded",
      changed: 1,
      snapshotKey: "feeds/kev/dt=2099-01-12/kev-2099.01.12-190000.json",
    });
    const object = await c.s3.send(
      new GetObjectCommand({ Bucket: box.bucket, Key: again.snapshotKey ?? "" }),
    );
    expect(await object.Body?.transformToString()).toBe(body);
    const { rows } = await c.pool.query(
      `SELECT date_released, snapshot_key FROM ${box.tables.kevCatalogs} WHERE catalog_version = '2099.01.12'`,
    );
    expect(rows).toEqual([
      { date_released: new Date("2099-01-12T19:00:00Z"), snapshot_key: again.snapshotKey },
    ]);
    // The same release polled again is unchanged: the catalogue row says which release was loaded last.
    const repeat = await runKevFetch(box.kevDeps(), server.url(`/again-${box.suffix}.json`));
    expect(repeat).toMatchObject({ outcome: "unchanged" });

    // A third release changes the same note again: each release keeps its own change of the field.
    server.serve(`/third-${box.suffix}.json`, {
      body: catalogue("2099.01.12", "2099-01-12T21:00:00.000Z", [
        entry(1, { notes: "updated again" }),
        entry(4),
      ]),
    });
    const third = await runKevFetch(box.kevDeps(), server.url(`/third-${box.suffix}.json`));
    expect(third).toMatchObject({ outcome: "loaded", changed: 1 });
    const notes = await c.pool.query(
      `SELECT catalog_released_at, before, after, previous_catalog_version FROM ${box.tables.kevChanges}
       WHERE catalog_version = '2099.01.12' AND cve_id = $1 AND field = 'notes' ORDER BY change_id`,
      [cve(1)],
    );
    expect(notes.rows).toEqual([
      {
        catalog_released_at: new Date("2099-01-12T19:00:00Z"),
        before: entry(1).notes,
        after: "updated",
        previous_catalog_version: "2099.01.12",
      },
      {
        catalog_released_at: new Date("2099-01-12T21:00:00Z"),
        before: "updated",
        after: "updated again",
        previous_catalog_version: "2099.01.12",
      },
    ]);
  });
});
