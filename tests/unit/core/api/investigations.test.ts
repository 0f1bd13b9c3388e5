import { describe, expect, it } from "vitest";
import { decodeCursor } from "../../../../layers/core/api/cursor";
import type { ApiKev, ApiUrl } from "../../../../layers/core/api/feeds";
import {
  type EventListRow,
  type IpEvidence,
  type IpFound,
  pipelineStatus,
  pivotIp,
  pivotJson,
  urlPageJson,
} from "../../../../layers/core/api/investigations";
import { ServiceUnavailableError } from "../../../../layers/core/errors";
import { canonicalIp } from "../../../../layers/core/ip";

const event = (n: number, extra: Record<string, unknown> = {}, msg: string | null = null): EventListRow => ({
  item: {
    event_id: `e${n}`,
    ts: `2026-11-25T10:00:0${n}.000Z`,
    type: null,
    msg,
    actor: null,
    ip: "2001:db8::7",
    tactic: null,
    score: null,
    country: null,
    channel: null,
  },
  extraJson: JSON.stringify(extra),
  position: [`2026-11-25T10:00:0${n}.000000Z`, `e${n}`],
});
const kev = (cve: string) => ({ cve_id: cve }) as ApiKev;
const url = (tags: string[]) =>
  ({ urlhaus_id: "1", url: "http://[2001:db8::7]/x", tags }) as unknown as ApiUrl;
/** Items as the store hands them over: JSON text and how many. */
const jsonArray = (items: unknown[]) => ({ text: JSON.stringify(items), count: items.length });

/** An IpEvidence over fixed rows; the KEV catalogue knows every CVE but CVE-2023-4966. */
function fakes(sightings: IpFound["sightings"]) {
  const asked: Record<string, unknown> = {};
  const evidence: IpEvidence = {
    ofIp: async (ip, hosts, page) => {
      Object.assign(asked, { ip, hosts });
      return {
        events: [
          event(3, { cve: "CVE-2021-44228" }),
          event(2, {}, "exploits cve-2023-4966"),
          event(1, { cve: "CVE-2020-0001" }),
        ].slice(0, page.limit + 1),
        urls: jsonArray([url(["mozi", "CVE-2017-17215"])]),
        sightings,
      };
    },
    kevEntries: async (cves) => {
      asked.cves = cves;
      return cves.filter((c) => c !== "CVE-2023-4966").map(kev);
    },
  };
  return { deps: { evidence }, asked };
}

describe("the IP pivot", () => {
  it("joins events, URLs and sightings, and links the KEV entries each of them names", async () => {
    // Detections tied the sightings to two CVEs; the read brought the KEV entry of the one KEV lists.
    const { deps, asked } = fakes({
      state: { available: true },
      rows: jsonArray([{ event_key: "k" }]),
      cves: ["CVE-2021-44228", "CVE-2023-4966"],
      kev: [kev("CVE-2021-44228")],
    });
    const pivot = await pivotIp(deps, "2001:DB8:0::7", { limit: 2 });
    expect(asked.ip).toBe("2001:db8::7");
    expect(asked.hosts).toEqual(["2001:db8:0::7", "2001:db8::7"]);
    // Looked up after the read: only what the detections did not bring. Not CVE-2020-0001 either: e1 is the
    // row read to know there is a next page, not one shown.
    expect(asked.cves).toEqual(["CVE-2017-17215"]);
    expect(pivot.data.ip).toBe("2001:db8::7");
    expect(pivot.data.events.map((e) => e.event_id)).toEqual(["e3", "e2"]);
    expect(pivot.data.events[0]).not.toHaveProperty("extra");
    expect(pivot.meta.events.next_cursor).toEqual(expect.any(String));
    expect(pivot.data.kev.map((k) => [k.cve_id, k.linked_from])).toEqual([
      ["CVE-2017-17215", ["urls"]],
      ["CVE-2021-44228", ["events", "sightings"]],
    ]);
    expect(pivot.meta.sightings).toEqual({ available: true, count: 1, limit: 2 });
  });

  it("writes the response around the URLs and sightings as read, into the IpPivot shape", async () => {
    const { deps } = fakes({
      state: { available: true },
      rows: jsonArray([{ event_key: "k" }]),
      cves: [],
      kev: [],
    });
    const pivot = await pivotIp(deps, "2001:db8::7", { limit: 2 });
    const body = JSON.parse(pivotJson(pivot));
    expect(body).toEqual({
      data: {
        ip: "2001:db8::7",
        events: pivot.data.events,
        urls: [url(["mozi", "CVE-2017-17215"])],
        sightings: [{ event_key: "k" }],
        kev: pivot.data.kev,
      },
      meta: pivot.meta,
    });
  });

  it("says why there are no sightings instead of failing", async () => {
    const reason = "silver.security_events does not exist yet";
    const { deps } = fakes({ state: { available: false, reason }, rows: jsonArray([]), cves: [], kev: [] });
    const pivot = await pivotIp(deps, "192.0.2.1", { limit: 5 });
    expect(JSON.parse(pivotJson(pivot)).data.sightings).toEqual([]);
    expect(pivot.meta.sightings).toEqual({ available: false, reason, count: 0, limit: 5 });
  });

  it("writes IPv6 as Postgres and URLhaus do", () => {
    expect(canonicalIp("2001:DB8:0:0:0:0:0:7")).toBe("2001:db8::7");
    expect(canonicalIp("198.51.100.7")).toBe("198.51.100.7");
    // IPv4 inside IPv6, mapped or compatible: its last 32 bits dotted (Postgres's host() gives the same).
    expect(canonicalIp("::FFFF:198.18.0.1")).toBe("::ffff:198.18.0.1");
    expect(canonicalIp("::ffff:c612:1")).toBe("::ffff:198.18.0.1");
    expect(canonicalIp("::ffff:0:0")).toBe("::ffff:0.0.0.0");
    expect(canonicalIp("::198.18.0.1")).toBe("::198.18.0.1");
    expect(canonicalIp("::1:0")).toBe("::0.1.0.0");
    for (const plain of ["::1", "::1:0:0", "64:ff9b::c612:1", "2001:db8::ffff:1:2"])
      expect(canonicalIp(plain)).toBe(plain);
  });
});

describe("a page of URLs", () => {
  // As the store hands them over: each URL's JSON text with its sort key (date added, id).
  const rows = [3, 2, 1].map((n) => ({
    item: JSON.stringify({ ...url([`t${n}`]), urlhaus_id: String(n) }),
    position: [`2026-11-0${n}T00:00:00.000000Z`, String(n)] as [string, string],
  }));

  it("writes the URLs' text into the page as it is, and the cursor after the last one shown", () => {
    const text = urlPageJson(rows, 2, { tag: "mozi" });
    expect(text.startsWith(`{"data":[${rows[0]?.item},${rows[1]?.item}],"meta":`)).toBe(true);
    const body = JSON.parse(text);
    expect(body.data.map((u: ApiUrl) => u.urlhaus_id)).toEqual(["3", "2"]);
    expect(body.meta).toMatchObject({ count: 2, limit: 2 });
    expect(decodeCursor("urls", body.meta.next_cursor, { tag: "mozi" })).toEqual(rows[1]?.position);
  });

  it("has no next cursor on the last page, and an empty page is an empty list", () => {
    expect(JSON.parse(urlPageJson(rows, 3, {})).meta).toEqual({ count: 3, limit: 3, next_cursor: null });
    expect(JSON.parse(urlPageJson([], 50, {}))).toEqual({
      data: [],
      meta: { count: 0, limit: 50, next_cursor: null },
    });
  });
});

describe("the pipeline status", () => {
  it("shows what answers and names what does not", async () => {
    const status = await pipelineStatus(
      {
        tables: async () => [{ table: "raw.threat_events", exists: true, rows: 3, estimated: false }],
        feeds: async () => [],
        kafka: async () => {
          throw new ServiceUnavailableError("kafka", "down");
        },
      },
      () => new Date("2026-11-25T10:00:00Z"),
    );
    expect(status.data.tables).toHaveLength(1);
    expect(status.data.consumers).toEqual([]);
    expect(status.meta).toEqual({ unavailable: ["kafka"], generated_at: "2026-11-25T10:00:00.000Z" });
    expect(status.failures).toHaveLength(1);
  });
});
