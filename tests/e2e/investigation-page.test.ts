import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { neo4jUrlGraph } from "../../layers/adapters/neo4j/feed-graph";
import { neo4jThreatGraph } from "../../layers/adapters/neo4j/threat-graph";
import { threatEventTable } from "../../layers/adapters/postgres/event-tables";
import { postgresUrlhausStore } from "../../layers/adapters/postgres/urlhaus-tables";
import { readSecret } from "../../layers/adapters/secrets/secrets";
import { ThreatEventSchema } from "../../layers/core/events/threat-event";
import { toGraphEvent } from "../../layers/core/graph/threat-graph";
import { buildClients, closeClients } from "../../layers/runtime/clients";
import { readSettings } from "../../layers/runtime/config";
import { freePort, ROOT, testEnv, uniqueSuffix, waitFor } from "../integration/support/env";
import { type Offline, startOffline } from "../integration/support/offline";

// The investigation page end to end: `serverless offline start` serves the API (with its authorizer), Vite's
// preview server serves the built page, and headless Chromium (Debian's, driven by playwright-core) does
// what an analyst does: give the key, filter by an actor, open an event, pivot to its IP, see the URLs
// hosted there. Screenshots of every step go to test-artifacts/e2e/.
const env = testEnv();
const settings = readSettings(env);
const c = buildClients(settings);
const suffix = uniqueSuffix();
const actor = `E2E Actor ${suffix}`;
const octet = (i: number) => Number.parseInt(suffix.slice(i, i + 2), 16);
const ip = `198.51.${octet(0)}.${octet(2)}`;
const url = `http://${ip}:8080/e2e-${suffix}/mozi.m`;
const urlhausId = String(8_000_000 + (Number.parseInt(suffix, 16) % 900_000));
/** A KEV entry of its own vendor, added by one catalogue release and modified by that version's second. */
const kevCve = `CVE-2098-${1_000_000 + (Number.parseInt(suffix, 16) % 9_000_000)}`;
const kevVendor = `E2E Vendor ${suffix}`;
const artifacts = resolve(ROOT, "test-artifacts", "e2e");

let offline: Offline | undefined;
let web: ReturnType<typeof spawn> | undefined;
let browser: Browser | undefined;
let page: Page;
let webUrl = "";
let apiKey = "";
/** Errors the page threw or logged: any one fails the test it happened in. */
const pageErrors: string[] = [];

/** The actor's three events, then 22 older ones by another actor on the same IP: 25, two pivot pages. */
const EVENTS_ON_IP = 25;

async function seed(): Promise<void> {
  const events = Array.from({ length: EVENTS_ON_IP }, (_, i) => {
    const event = ThreatEventSchema.parse({
      event_id: `e2e-${suffix}-${i}`,
      ts: new Date(Date.now() - i * 60_000).toISOString(),
      type: "c2_beacon",
      // The newest names the KEV entry below: the graph links it (MENTIONS), the pivot shows its KEV context.
      msg: `beacon ${i} to the staging server${i === 0 ? `, after exploiting ${kevCve}` : ""}`,
      actor: i < 3 ? actor : `E2E Other ${suffix}`,
      ip,
      tactic: "command-and-control",
      score: Math.max(0.1, 0.9 - i * 0.1),
      country: "NL",
      channel: "netflow",
    });
    return {
      event,
      raw: event,
      origin: { topic: "threat.events", partition: 0, offset: i, timestamp: Date.now(), key: null },
      bronzeKey: `events/topic=threat.events/e2e-${suffix}.jsonl.gz`,
    };
  });
  await threatEventTable(c.pool).upsert(events);
  // The graph as graph-events and the URLhaus feed leave it: actor → events → IP ← URL, event → CVE.
  await neo4jThreatGraph(c.neo4j).mergeEvents(events.map((e) => toGraphEvent(e.event, e.origin)));
  await neo4jUrlGraph(c.neo4j).mergeUrls([
    {
      url,
      host: ip,
      hostIsIp: true,
      cves: [],
      props: {
        urlhaus_id: Number(urlhausId),
        status: "online",
        tags: ["elf", "Mozi"],
        revision: 1,
        last_change: "added",
        last_change_ts: "2026-11-20T10:00:00.000Z",
      },
    },
  ]);
  await c.pool.query(
    `INSERT INTO raw.kev_vulnerabilities (cve_id, vendor_project_raw, vendor_project, product, vulnerability_name,
       date_added, short_description, required_action, due_date, known_ransomware_campaign_use, ransomware_known,
       first_catalog_version, catalog_version, snapshot_key)
     VALUES ($1, $2, $2, 'Gateway', 'E2E gateway RCE', '2098-01-02', 'an e2e entry', 'patch', '2098-01-23',
       'Known', true, '2098.01.02', '2098.01.02', 'e2e/none')`,
    [kevCve, kevVendor],
  );
  await c.pool.query(
    `INSERT INTO raw.kev_changes (cve_id, change, field, before, after, catalog_version, catalog_released_at,
       previous_catalog_version)
     VALUES ($1, 'added', NULL, NULL, NULL, '2098.01.02', '2098-01-02T15:00:00Z', '2098.01.01'),
            ($1, 'modified', 'knownRansomwareCampaignUse', '"Unknown"', '"Known"', '2098.01.02',
             '2098-01-02T19:00:00Z', '2098.01.02')`,
    [kevCve],
  );
  await postgresUrlhausStore(c.pool).apply({
    entries: [
      {
        id: urlhausId,
        date_added: "2026-11-20T10:00:00Z",
        url,
        host: ip,
        url_status: "online",
        last_online: "2026-11-20T10:00:00Z",
        threat: "malware_download",
        tags: ["elf", "Mozi"],
        urlhaus_link: `https://urlhaus.abuse.ch/url/${urlhausId}/`,
        reporter: "e2e",
      },
    ],
    next: [{ id: urlhausId, url_status: "online", tags: ["Mozi", "elf"], revision: 1 }],
    snapshotKey: `feeds/urlhaus/e2e-${suffix}.csv`,
    observedAt: new Date().toISOString(),
    feedState: {
      url: `http://e2e.invalid/${suffix}`,
      validators: { etag: null, lastModified: null },
      version: null,
    },
  });
}

/** The graph's Cytoscape instance in the page (Cytoscape registers it on its container). */
const CY = 'document.getElementById("graph-canvas")._cyreg.cy';

/** Clicks the graph's node whose key is `key` where Chromium drew it (Cytoscape draws on a canvas). */
async function clickNode(key: string): Promise<void> {
  const at = (await page.evaluate(
    `${CY}.nodes().filter((n) => n.data("key") === ${JSON.stringify(key)}).renderedPosition()`,
  )) as { x: number; y: number } | undefined;
  const box = await page.getByTestId("graph-canvas").boundingBox();
  if (!at || !box) throw new Error(`no node ${key} drawn in the graph`);
  await page.mouse.click(box.x + at.x, box.y + at.y);
}

/** The relationships drawn with their type (those of the selected node), as "TYPE start-key end-key". */
const namedEdges = async () =>
  (
    (await page.evaluate(
      `${CY}.edges(".near").map((e) => [e.data("type"), e.source().data("key"), e.target().data("key")].join(" "))`,
    )) as string[]
  ).sort();

/** The legend's entries, in its order. */
const legend = () => page.locator("ul.legend li").allTextContents();

/** The keys of the nodes the graph shows. */
const graphKeys = async () => (await page.evaluate(`${CY}.nodes().map((n) => n.data("key"))`)) as string[];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: resolve(artifacts, `${name}.png`), fullPage: true });
}

/** One step of the walk: on failure, a screenshot of where it stood and the page's own errors. */
function step(name: string, body: () => Promise<void>) {
  it(name, async () => {
    try {
      await body();
    } catch (error) {
      await shot(`failed-${name.replace(/\W+/g, "-")}`).catch(() => {});
      throw new Error(`${(error as Error).message}\npage errors: ${pageErrors.join(" | ") || "none"}`);
    }
  });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const executablePath = execFileSync("bash", [resolve(ROOT, "localstack/browser.sh")], { encoding: "utf8" })
    .trim()
    .split("\n")
    .at(-1);
  await seed();
  apiKey = (JSON.parse((await readSecret(c.secrets, settings.API_KEYS_SECRET)) ?? "{}") as { keys: string[] })
    .keys[0] as string;

  const httpPort = await freePort();
  offline = await startOffline(
    ROOT,
    { ...env, OFFLINE_HTTP_PORT: String(httpPort), OFFLINE_LAMBDA_PORT: String(await freePort()) },
    /Server ready: http:\/\/127\.0\.0\.1:\d+/,
  );
  // Warm the functions the walk calls (the first invocation of each builds its worker): the test is
  // about the page, not about cold starts on a loaded 2-core machine.
  const api = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    "the API to answer with the key",
    async () =>
      (await fetch(`${api}/v1/events?limit=1`, { headers: { "x-api-key": apiKey } })).ok ? true : undefined,
    120_000,
  );
  for (const path of [`/v1/events/e2e-${suffix}-0`, `/v1/ips/${ip}`, "/openapi.json"]) {
    await fetch(`${api}${path}`, { headers: { "x-api-key": apiKey } });
  }
  execFileSync("npm", ["--prefix", resolve(ROOT, "web"), "run", "--silent", "build"], { stdio: "ignore" });
  const webPort = await freePort();
  web = spawn("npm", ["--prefix", resolve(ROOT, "web"), "run", "--silent", "preview"], {
    env: { ...process.env, VIGIL_API_URL: `http://127.0.0.1:${httpPort}`, WEB_PORT: String(webPort) },
    stdio: "ignore",
    detached: true,
  });
  webUrl = `http://127.0.0.1:${webPort}`;
  await waitFor("the page to be served", async () =>
    (await fetch(webUrl).catch(() => null))?.ok ? true : undefined,
  );

  browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  if (web?.pid) process.kill(-web.pid, "SIGTERM");
  await offline?.stop();
  await c.pool.query("DELETE FROM raw.threat_events WHERE event_id LIKE $1", [`e2e-${suffix}-%`]);
  await c.pool.query("DELETE FROM raw.urlhaus_urls WHERE urlhaus_id = $1", [urlhausId]);
  await c.pool.query("DELETE FROM raw.kev_changes WHERE cve_id = $1", [kevCve]);
  await c.pool.query("DELETE FROM raw.kev_vulnerabilities WHERE cve_id = $1", [kevCve]);
  await c.neo4j.executeQuery(
    `MATCH (n) WHERE (n:ThreatEvent AND n.event_id STARTS WITH $events) OR (n:Actor AND n.name ENDS WITH $suffix)
       OR (n:IPAddress AND n.value = $ip) OR (n:URL AND n.value = $url) OR (n:Vulnerability AND n.cve = $cve)
     DETACH DELETE n`,
    { events: `e2e-${suffix}-`, suffix, ip, url, cve: kevCve },
  );
  await closeClients(c);
});

describe("the investigation page", () => {
  step("asks for the API key once, then lists events", async () => {
    await page.goto(`${webUrl}/#/events`);
    await page.locator("#key-input").fill(apiKey);
    await shot("01-api-key");
    await page.locator("#key-submit").click();
    await page.locator("table").first().waitFor();
    expect(await page.evaluate("sessionStorage.getItem('vigil.apiKey')")).toBe(apiKey);
    await shot("02-events");
  });

  step("filters by an actor", async () => {
    await page.locator('input[name="actor"]').fill(actor);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator("p.count", { hasText: "3 events" }).waitFor();
    const ids = await page.getByTestId("event-link").allTextContents();
    expect(ids).toEqual([`e2e-${suffix}-0`, `e2e-${suffix}-1`, `e2e-${suffix}-2`]);
    await shot("03-filtered-by-actor");
  });

  step("opens an event, with its provenance", async () => {
    await page.getByTestId("event-link").first().click();
    const detail = page.getByTestId("event-detail");
    await detail.waitFor();
    expect(await detail.textContent()).toContain("beacon 0 to the staging server");
    expect(await detail.textContent()).toContain(`e2e-${suffix}.jsonl.gz`);
    await shot("04-event");
  });

  step("pivots to the event's IP and shows the URLs hosted there", async () => {
    await page.getByTestId("pivot-ip").click();
    const urls = page.getByTestId("hosted-urls");
    await urls.locator("code", { hasText: url }).waitFor({ timeout: 60_000 });
    expect(await urls.textContent()).toContain("online");
    expect(await urls.textContent()).toContain("elf, Mozi");
    expect(await urls.getByRole("link", { name: String(urlhausId) }).getAttribute("href")).toBe(
      `https://urlhaus.abuse.ch/url/${urlhausId}/`,
    );
    const events = page.getByTestId("ip-events");
    expect(await events.locator("h2").textContent()).toBe("Threat events targeting it (20, the newest)");
    expect(await events.locator("tbody tr").count()).toBe(20);
    await shot("05-ip-pivot");
  });

  step("pages the IP's events further back", async () => {
    const events = page.getByTestId("ip-events");
    // The events list continues the pivot's cursor: the URLs and sightings are not read again.
    const asked = page.waitForRequest((r) => {
      const url = new URL(r.url());
      return url.pathname === "/v1/events" && url.searchParams.has("cursor");
    });
    await events.getByRole("button", { name: "Older events" }).click();
    expect(new URL((await asked).url()).searchParams.get("ip")).toBe(ip);
    await events.locator("h2", { hasText: `(${EVENTS_ON_IP - 20} older)` }).waitFor();
    expect(await events.locator("tbody tr").count()).toBe(EVENTS_ON_IP - 20);
    expect(await events.locator("tbody tr").last().textContent()).toContain(
      `e2e-${suffix}-${EVENTS_ON_IP - 1}`,
    );
    expect(await events.getByRole("button", { name: "Older events" }).count()).toBe(0);
    await shot("06-ip-older-events");
  });

  step("asks again when the key is refused", async () => {
    await page.evaluate("sessionStorage.setItem('vigil.apiKey', 'vgl_wrong')");
    await page.goto(`${webUrl}/#/events?actor=${encodeURIComponent(actor)}`);
    await page.locator("#key-error", { hasText: "refused" }).waitFor();
    await shot("07-key-refused");
    await page.locator("#key-input").fill(apiKey);
    await page.locator("#key-submit").click();
    await page.locator("p.count", { hasText: "3 events" }).waitFor();
  });

  step("shows only the view last asked for, however late an earlier one answers", async () => {
    // The pipeline's answer is held until the events view is drawn: it arrives for a view already left.
    let eventsShown = () => {};
    const shown = new Promise<void>((done) => {
      eventsShown = done;
    });
    await page.route("**/v1/pipeline", async (route) => {
      await shown;
      await route.continue();
    });
    const pipelineAnswered = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/pipeline", {
      timeout: 60_000,
    });
    await page.goto(`${webUrl}/#/health`);
    await page.evaluate(`location.hash = "#/events?actor=${encodeURIComponent(actor)}"`);
    await page.locator("p.count", { hasText: "3 events" }).waitFor();
    eventsShown();
    await (await pipelineAnswered).finished();
    await page.waitForTimeout(500); // the late answer's rendering, had it anywhere to go
    expect(await page.locator("p.count").textContent()).toBe("3 events");
    expect(await page.locator("h1").allTextContents()).toEqual(["Threat events"]);
    await page.unroute("**/v1/pipeline");
    await page.evaluate('location.hash = "#/health"');
    await page.locator("h2", { hasText: "Tables" }).waitFor();
    await shot("08-pipeline");
  });

  step("searches the KEV catalogue as read once, and shows a CVE's history by release", async () => {
    const kevReads: string[] = [];
    const read = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === "/v1/kev") kevReads.push(r.url());
    };
    page.on("request", read);
    try {
      await page.locator('nav a[data-nav="kev"]').click();
      await page.getByRole("heading", { name: /^CISA KEV — \d+ vulnerabilities$/ }).waitFor();
      expect(await page.locator("figure.chart canvas").count()).toBe(3);
      const reads = kevReads.length;
      expect(reads).toBeGreaterThan(0);

      await page.locator('input[name="q"]').fill(kevVendor);
      await page.getByRole("button", { name: "Search" }).click();
      await page.locator("p.count", { hasText: `match "${kevVendor}"` }).waitFor();
      expect(await page.locator("tbody tr").allTextContents()).toEqual([
        expect.stringContaining(`${kevCve}${kevVendor}Gateway2098-01-02`),
      ]);
      expect(kevReads).toHaveLength(reads);
      await shot("09-kev-search");

      await page.getByRole("link", { name: kevCve }).click();
      await page.getByRole("heading", { name: "History" }).waitFor();
      const history = await page.locator("tbody tr").allTextContents();
      expect(history).toHaveLength(2);
      expect(history[0]).toContain("2098.01.02");
      expect(history[1]).toContain('"Unknown"');
      expect(history[1]).toContain('"Known"');
      // The second change came with the version's second release, four hours after the first.
      expect(history.map((row) => row.match(/2098-01-02[ T]\d{2}:\d{2}/)?.[0].slice(-5))).toEqual([
        "15:00",
        "19:00",
      ]);
      await shot("10-kev-cve-history");

      // Signing out forgets the catalogue read with the key: the page asks for a key, then reads it again.
      await page.locator("#forget-key").click();
      await page.locator("#key-input").fill(apiKey);
      await page.locator("#key-submit").click();
      await page.getByRole("heading", { name: "History" }).waitFor();
      await page.locator('nav a[data-nav="kev"]').click();
      await page.getByRole("heading", { name: /^CISA KEV — \d+ vulnerabilities$/ }).waitFor();
      expect(kevReads.length).toBeGreaterThan(reads);
    } finally {
      page.off("request", read);
    }
  });

  step(
    "walks the graph from the actor to a CVE and the URL on its IP, expanding a node per click",
    async () => {
      const graphReads: string[] = [];
      page.on("request", (r) => {
        if (new URL(r.url()).pathname === "/v1/graph") graphReads.push(r.url());
      });
      await page.goto(`${webUrl}/#/graph?label=Actor&key=${encodeURIComponent(actor)}`);
      const status = page.locator("p.count");
      await status.filter({ hasText: /^\d+ nodes, \d+ relationships/ }).waitFor();
      expect((await graphKeys()).sort()).toEqual(
        [actor, `e2e-${suffix}-0`, `e2e-${suffix}-1`, `e2e-${suffix}-2`].sort(),
      );
      expect(await status.textContent()).toBe("4 nodes, 3 relationships");
      // The start node's relationships are named, the others drawn unnamed; the legend has what is shown.
      expect(await namedEdges()).toEqual([0, 1, 2].map((i) => `GENERATED ${actor} e2e-${suffix}-${i}`));
      expect(await legend()).toEqual(["Actor", "ThreatEvent"]);

      // The newest event: the IP it targeted and the CVE its message names.
      await clickNode(`e2e-${suffix}-0`);
      await status.filter({ hasText: "6 nodes, 5 relationships" }).waitFor();
      expect(await graphKeys()).toEqual(expect.arrayContaining([ip, kevCve]));
      expect(await page.locator("aside.selected").textContent()).toContain(`e2e-${suffix}-0`);

      await clickNode(kevCve);
      const selected = page.locator("aside.selected");
      await selected.getByRole("link", { name: "KEV entry" }).waitFor();
      expect(await selected.getByRole("link", { name: "KEV entry" }).getAttribute("href")).toBe(
        `#/kev/${kevCve}`,
      );

      // The IP's neighbourhood: every event aimed at it (the other actor's too) and the URL it hosts.
      await clickNode(ip);
      await status.filter({ hasText: `${6 + (EVENTS_ON_IP - 3) + 1} nodes` }).waitFor();
      const keys = await graphKeys();
      expect(keys).toContain(url);
      expect(keys.filter((k) => k.startsWith(`e2e-${suffix}-`))).toHaveLength(EVENTS_ON_IP);
      expect(await selected.getByRole("link", { name: "IP pivot" }).count()).toBe(1);
      // Now the IP's relationships are the ones named.
      const named = await namedEdges();
      expect(named).toHaveLength(EVENTS_ON_IP + 1);
      expect(named).toContain(`HOSTED_ON ${url} ${ip}`);
      expect(named.filter((e) => e.startsWith("TARGETED ") && e.endsWith(` ${ip}`))).toHaveLength(
        EVENTS_ON_IP,
      );
      expect(await legend()).toEqual(["Actor", "ThreatEvent", "IPAddress", "URL", "Vulnerability"]);
      await shot("11-graph");

      // A node already expanded is only selected again: nothing is read, the picture stays as it is.
      const reads = graphReads.length;
      await clickNode(`e2e-${suffix}-0`);
      await selected.filter({ hasText: `e2e-${suffix}-0` }).waitFor();
      await page.waitForTimeout(300);
      expect(graphReads).toHaveLength(reads);
      expect(await status.textContent()).toBe(`${6 + (EVENTS_ON_IP - 3) + 1} nodes, 30 relationships`);
    },
  );

  step("says how to go on when the key prompt is closed without a key", async () => {
    await page.evaluate("sessionStorage.removeItem('vigil.apiKey')");
    await page.goto(`${webUrl}/#/events`);
    await page.locator("#key-input").waitFor();
    await page.keyboard.press("Escape");
    await page.locator(".notice.error", { hasText: "No API key was given" }).waitFor();
    await shot("12-key-prompt-closed");
  });
});
