import { describe, expect, it } from "vitest";
import { FeedRejectedError, InvalidInputError } from "../../../../layers/core/errors";
import { UrlhausEventSchema } from "../../../../layers/core/events/urlhaus-event";
import {
  hostOf,
  parseUrlhausApiResponse,
  parseUrlhausCsv,
  parseUrlhausFeed,
  parseUrlhausNdjson,
  type UrlhausEntry,
  type UrlhausState,
  urlhausChanges,
} from "../../../../layers/core/feeds/urlhaus-feed";
import { describeRealData, readRealData } from "../../../support/real-data";

const HEADER = [
  "################################################################",
  "# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #",
  "# Last updated: 2026-10-09 06:17:08 (UTC)                      #",
  "#                                                              #",
  "# Terms Of Use: https://urlhaus.abuse.ch/api/                  #",
  "# For questions please contact urlhaus [at] abuse.ch           #",
  "################################################################",
  "#",
];
const COLUMNS_9 = "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter";
const COLUMNS_8 = "# id,dateadded,url,url_status,threat,tags,urlhaus_link,reporter";

/** A quoted CSV row, as URLhaus writes them. */
const row = (...fields: string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(",");
const link = (id: string) => `https://urlhaus.abuse.ch/url/${id}/`;

// Lines 1-8 header, 9 columns, data from line 10.
const NINE_COLUMNS = [
  ...HEADER,
  COLUMNS_9,
  row(
    "100",
    "2026-10-09 06:17:08",
    "http://182.116.122.168:50444/bin.sh",
    "online",
    "2026-10-09 06:17:08",
    "malware_download",
    "None",
    link("100"),
    "adliwahid",
  ),
  row(
    "101",
    "2026-10-09 06:14:14",
    "https://drive.google.com/uc?export=download&id=1L_cku",
    "online",
    "None",
    "malware_download",
    "GuLoader,rat,RemcosRAT",
    link("101"),
    "abuse_ch",
  ),
  row(
    "102",
    "2026-10-09 06:10:07",
    "https://Stanarc.Example.com:8443/payload.bin",
    "offline",
    "",
    "malware_download",
    "android,apk ",
    link("102"),
    "abuse_ch",
  ),
  row(
    "103",
    "2026-10-09 04:02:07",
    "http://105.186.181.226:43697/i",
    "offline",
    "2026-10-09 05:07:13",
    "None",
    " elf , ,elf,None,Mozi",
    "None",
    "None",
  ),
].join("\n");

// Lines 1-8 header, 9 columns, data from line 10.
const EIGHT_COLUMNS = [
  ...HEADER.slice(0, 2),
  "# Last updated: 2019-01-21 09:45:05 (UTC)                      #",
  ...HEADER.slice(3),
  COLUMNS_8,
  row(
    "5",
    "2019-01-21 09:45:05",
    "http://evil.example/x.exe",
    "online",
    "malware_download",
    "exe,Heodo",
    link("5"),
    "Cryptolaemus1",
  ),
  row(
    "4",
    "2019-01-21 09:40:00",
    "http://1.2.3.4/a",
    "offline",
    "malware_download",
    "None",
    link("4"),
    "anonymous",
  ),
].join("\r\n");

describe("reading the URLhaus CSV dump", () => {
  it("reads the 9-column dump: header date, columns and every field", () => {
    const r = parseUrlhausCsv(NINE_COLUMNS);
    expect(r.format).toBe("csv");
    expect(r.lastUpdated).toBe("2026-10-09T06:17:08Z");
    expect(r.columns).toEqual(COLUMNS_9.slice(2).split(","));
    expect(r.rejected).toEqual([]);
    expect(r.entries.map((e) => e.id)).toEqual(["100", "101", "102", "103"]);
    expect(r.entries[0]).toEqual({
      id: "100",
      date_added: "2026-10-09T06:17:08Z",
      url: "http://182.116.122.168:50444/bin.sh",
      host: "182.116.122.168",
      url_status: "online",
      last_online: "2026-10-09T06:17:08Z",
      threat: "malware_download",
      tags: [],
      urlhaus_link: link("100"),
      reporter: "adliwahid",
    });
    const [, withQuery, offline, messy] = r.entries;
    expect(withQuery?.url).toBe("https://drive.google.com/uc?export=download&id=1L_cku");
    expect(withQuery?.host).toBe("drive.google.com");
    expect(withQuery?.tags).toEqual(["GuLoader", "rat", "RemcosRAT"]);
    expect(withQuery?.last_online).toBeNull();
    expect(offline).toMatchObject({ host: "stanarc.example.com", url_status: "offline", last_online: null });
    expect(offline?.tags).toEqual(["android", "apk"]);
    expect(messy).toMatchObject({ last_online: "2026-10-09T05:07:13Z", threat: null, urlhaus_link: null });
    expect(messy?.reporter).toBeNull();
    expect(messy?.tags).toEqual(["elf", "Mozi"]);
  });

  it("reads an older 8-column dump (no last_online) from its own column line, CRLF and all", () => {
    const r = parseUrlhausCsv(EIGHT_COLUMNS);
    expect(r.columns).toHaveLength(8);
    expect(r.lastUpdated).toBe("2019-01-21T09:45:05Z");
    expect(r.rejected).toEqual([]);
    expect(r.entries).toEqual([
      expect.objectContaining({ id: "5", host: "evil.example", last_online: null, tags: ["exe", "Heodo"] }),
      expect.objectContaining({ id: "4", url_status: "offline", last_online: null, tags: [] }),
    ]);
  });

  it("follows RFC 4180 quoting: doubled quotes, commas and line breaks inside quotes, unquoted fields", () => {
    const text = [
      COLUMNS_9,
      row(
        "1",
        "2026-01-01 00:00:00",
        'http://a.example/p?q="x",y',
        "online",
        "",
        "malware_download",
        "elf,\nmips",
        link("1"),
        'rep "q"',
      ),
      `2,2026-01-01 00:00:01,http://b.example/,offline,None,malware_download,,${link("2")},bob`,
      row("3", "2026-01-01 00:00:02", "http://c.example/", "online", "", "", "", "", ""),
    ].join("\n");
    const r = parseUrlhausCsv(`\uFEFF${text}\n\n`);
    expect(r.rejected).toEqual([]);
    expect(r.entries[0]).toMatchObject({
      url: 'http://a.example/p?q="x",y',
      tags: ["elf", "mips"],
      reporter: 'rep "q"',
    });
    expect(r.entries[1]).toMatchObject({ id: "2", url_status: "offline", tags: [], reporter: "bob" });
    expect(r.entries[2]).toMatchObject({ threat: null, urlhaus_link: null, reporter: null });
  });

  it("rejects a bad row with its line, reason and text, and loads the others", () => {
    const good = (id: string) =>
      row(
        id,
        "2026-10-09 06:00:00",
        `http://h${id}.example/`,
        "online",
        "",
        "malware_download",
        "elf",
        link(id),
        "r",
      );
    const lines = [
      COLUMNS_9, // 1
      good("1"), // 2
      row("2", "2026-10-09 06:00:00", "http://x.example/", "online"), // 3: too few fields
      row("x3", "2026-10-09 06:00:00", "http://x.example/", "online", "", "t", "", "", ""), // 4
      row("4", "2026-10-09 06:00:00", "http://x.example/", "down", "", "t", "", "", ""), // 5
      row("5", "2026-02-30 06:00:00", "http://x.example/", "online", "", "t", "", "", ""), // 6
      row("6", "2026-10-09", "http://x.example/", "online", "", "t", "", "", ""), // 7
      row("7", "2026-10-09 06:00:00", "", "online", "", "t", "", "", ""), // 8
      `"8"x,"2026-10-09 06:00:00","http://x.example/","online","","t","","",""`, // 9
      row("1", "2026-10-08 06:00:00", "http://older.example/", "offline", "", "t", "", "", ""), // 10: repeat
      good("9"), // 11
      `"10","2026-10-09 06:00:00","http://cut.example/`, // 12: cut off mid-field
    ];
    const r = parseUrlhausCsv(lines.join("\n"));
    expect(r.entries.map((e) => e.id)).toEqual(["1", "9"]);
    expect(r.entries[0]?.host).toBe("h1.example");
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([
      [
        3,
        "expected 9 fields (id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter), got 4",
      ],
      [4, 'id: expected digits, got "x3"'],
      [5, 'url_status: expected one of online, offline, unknown, got "down"'],
      [6, 'dateadded: expected "YYYY-MM-DD HH:MM:SS" (UTC), got "2026-02-30 06:00:00"'],
      [7, 'dateadded: expected "YYYY-MM-DD HH:MM:SS" (UTC), got "2026-10-09"'],
      [8, 'url: expected a URL, got ""'],
      [9, 'field 1: text after its closing quote ("x")'],
      [10, "id: 1 repeats line 2; the first (newest) occurrence is kept"],
      [12, "field 3: a quoted field is not closed before the end of the text"],
    ]);
    expect(r.rejected[0]?.text).toBe(lines[2]);
  });

  it("rejects a row Postgres could not store: an id past bigint, a NUL character", () => {
    const text = [
      COLUMNS_9,
      row("9223372036854775808", "2026-10-09 06:00:00", "http://x.example/", "online", "", "t", "", "", ""),
      row("11", "2026-10-09 06:00:00", "http://x.example/", "online", "", "mal\u0000ware", "", "", ""),
      row("9223372036854775807", "2026-10-09 06:00:00", "http://x.example/", "online", "", "t", "", "", ""),
    ].join("\n");
    const r = parseUrlhausCsv(text);
    expect(r.entries.map((e) => e.id)).toEqual(["9223372036854775807"]);
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([
      [2, 'urlhaus_id: the numeric URLhaus id (up to 9223372036854775807) (got "9223372036854775808")'],
      [3, 'threat: a NUL character, which Postgres cannot store (got "mal\\u0000ware")'],
    ]);
  });

  it("counts lines across line breaks inside quoted fields", () => {
    const text = [
      COLUMNS_9,
      row("1", "2026-01-01 00:00:00", "http://a.example/", "online", "", "t", "a,\nb,\nc", "", ""),
      row("bad", "2026-01-01 00:00:00", "http://a.example/", "online", "", "t", "", "", ""),
    ].join("\n");
    expect(parseUrlhausCsv(text).rejected.map((x) => x.line)).toEqual([5]);
  });

  it("keeps a row whose last_online is unreadable, with last_online null", () => {
    const text = [
      COLUMNS_9,
      row("1", "2022-09-13 06:31:07", "http://a.example/", "offline", "2022-09-13 07:XX:XX", "t", "", "", ""),
    ];
    const r = parseUrlhausCsv(text.join("\n"));
    expect(r.rejected).toEqual([]);
    expect(r.entries[0]?.last_online).toBeNull();
  });

  it("throws FeedRejectedError without a column line or with a required column missing", () => {
    expect(() => parseUrlhausCsv(HEADER.join("\n"))).toThrow(/no column line/);
    expect(() => parseUrlhausCsv("")).toThrow(FeedRejectedError);
    expect(() =>
      parseUrlhausCsv(`${HEADER.join("\n")}\n${row("1", "2026-01-01 00:00:00", "http://a/", "online")}`),
    ).toThrow(/no column line/);
    expect(() => parseUrlhausCsv(`# id,url,threat\n${row("1", "http://a/", "t")}`)).toThrow(
      "urlhaus feed rejected: the column line (id,url,threat) lacks dateadded, url_status (at line 1)",
    );
  });

  it("accepts a header with no data rows as an empty dump", () => {
    expect(parseUrlhausCsv([...HEADER, COLUMNS_9].join("\n"))).toMatchObject({ entries: [], rejected: [] });
  });
});

describe("the host of a URL", () => {
  it.each([
    ["http://117.216.19.13:42598/i", "117.216.19.13"],
    ["https://Drive.Google.com/uc?export=download&id=1", "drive.google.com"],
    ["http://w5q.eu/eclipse.mips", "w5q.eu"],
    ["https://stanarcservice.com:8443/payload/x.bin", "stanarcservice.com"],
    ["http://[2001:DB8::1]:8080/x", "2001:db8::1"],
    ["http://user:pa:ss@evil.example.:81/x", "evil.example"],
    ["http://evil.example?x=1", "evil.example"],
    ["evil.example/path", "evil.example"],
    ["http://2001:db8::2/x", "2001:db8::2"],
  ])("%s → %s", (url, host) => {
    expect(hostOf(url)).toBe(host);
  });

  it("throws InvalidInputError when there is no host", () => {
    expect(() => hostOf("http:///x")).toThrow(InvalidInputError);
  });
});

const apiUrl = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  urlhaus_reference: link(id),
  url: `http://115.55.244.160:41619/${id}.m`,
  url_status: "online",
  host: "115.55.244.160",
  date_added: "2024-03-19 11:34:09 UTC",
  threat: "malware_download",
  blacklists: { spamhaus_dbl: "not listed", surbl: "not listed" },
  reporter: "lrz_urlhaus",
  larted: "true",
  tags: ["elf", "Mozi"],
  ...extra,
});

describe("reading the URLhaus JSON API", () => {
  it("reads an ok answer", () => {
    const body = JSON.stringify({
      query_status: "ok",
      urls: [apiUrl("2786904"), apiUrl("2786903", { tags: null, url_status: "unknown", threat: null })],
    });
    const r = parseUrlhausApiResponse(body);
    expect(r).toMatchObject({ format: "json-api", lastUpdated: null, rejected: [] });
    expect(r.columns).toContain("urlhaus_reference");
    expect(r.entries).toEqual([
      {
        id: "2786904",
        date_added: "2024-03-19T11:34:09Z",
        url: "http://115.55.244.160:41619/2786904.m",
        host: "115.55.244.160",
        url_status: "online",
        last_online: null,
        threat: "malware_download",
        tags: ["elf", "Mozi"],
        urlhaus_link: link("2786904"),
        reporter: "lrz_urlhaus",
      },
      expect.objectContaining({ id: "2786903", tags: [], url_status: "unknown", threat: null }),
    ]);
  });

  it("reads no_results as an empty list", () => {
    expect(parseUrlhausApiResponse('{"query_status":"no_results"}')).toMatchObject({
      entries: [],
      rejected: [],
    });
  });

  it.each([
    ['{"query_status":"unknown_auth_key"}', 'query_status "unknown_auth_key" (the Auth-Key header'],
    ['{"query_status":"http_post_expected"}', 'query_status "http_post_expected"'],
    ['{"query_status":"invalid_limit"}', 'query_status "invalid_limit"'],
    ['{"query_status":"ok"}', "urls is not a list"],
    ['{"urls":[]}', "no query_status"],
    ["[]", "not a JSON object"],
    ["<html><body>502 Bad Gateway</body></html>", "not JSON (Unexpected token"],
  ])("rejects %s", (body, message) => {
    expect(() => parseUrlhausApiResponse(body)).toThrow(FeedRejectedError);
    expect(() => parseUrlhausApiResponse(body)).toThrow(message);
  });

  it("rejects a bad entry by its position in urls and loads the others", () => {
    const body = JSON.stringify({
      query_status: "ok",
      urls: [apiUrl("1"), apiUrl("2", { date_added: null }), 7],
    });
    const r = parseUrlhausApiResponse(body);
    expect(r.entries.map((e) => e.id)).toEqual(["1"]);
    expect(r.rejected.map((x) => [x.line, x.reason])).toEqual([
      [2, 'date_added: expected "YYYY-MM-DD HH:MM:SS" (UTC), got null'],
      [3, "expected an object in urls"],
    ]);
  });
});

describe("reading the URLhaus NDJSON dump", () => {
  it("reads object lines, rejects the bad ones by line and skips blank lines", () => {
    const good = (id: string) =>
      JSON.stringify({
        id,
        dateadded: "2024-03-19 11:34:09 UTC",
        url: "http://a.example/x",
        url_status: "offline",
        last_online: "None",
        tags: null,
      });
    const text = [
      good("1"),
      "",
      "{not json",
      "[1]",
      JSON.stringify({ id: "3", dateadded: "x", url: "http://a/", url_status: "online" }),
      good("4"),
    ].join("\n");
    const r = parseUrlhausNdjson(text);
    expect(r.format).toBe("ndjson");
    expect(r.entries.map((e) => [e.id, e.last_online, e.tags])).toEqual([
      ["1", null, []],
      ["4", null, []],
    ]);
    expect(r.rejected.map((x) => x.line)).toEqual([3, 4, 5]);
    expect(r.rejected[0]?.reason).toMatch(/^not JSON: /);
    expect(r.rejected[2]?.reason).toBe('dateadded: expected "YYYY-MM-DD HH:MM:SS" (UTC), got "x"');
  });
});

describe("telling the format from the body", () => {
  it("sends each body to its reader", () => {
    expect(parseUrlhausFeed(NINE_COLUMNS).format).toBe("csv");
    expect(parseUrlhausFeed(' {\n  "query_status": "no_results"\n}').format).toBe("json-api");
    expect(parseUrlhausFeed(JSON.stringify({ urls: [], query_status: "no_results" })).format).toBe(
      "json-api",
    );
    expect(
      parseUrlhausFeed(
        '{"id":"1","dateadded":"2024-03-19 11:34:09 UTC","url":"http://a/","url_status":"online"}',
      ).format,
    ).toBe("ndjson");
    expect(() => parseUrlhausFeed('{"query_status":"unknown_auth_key"}')).toThrow(/unknown_auth_key/);
    expect(() => parseUrlhausFeed("Bad Gateway", "application/json; charset=utf-8")).toThrow(/not JSON/);
    expect(() => parseUrlhausFeed("Bad Gateway", "text/plain")).toThrow(/no column line/);
  });
});

const entry = (id: string, extra: Partial<UrlhausEntry> = {}): UrlhausEntry => ({
  id,
  date_added: "2026-10-09T06:00:00Z",
  url: `http://h${id}.example/bin.sh`,
  host: `h${id}.example`,
  url_status: "online",
  last_online: null,
  threat: "malware_download",
  tags: ["elf", "Mozi"],
  urlhaus_link: link(id),
  reporter: "geenensp",
  ...extra,
});
const T1 = "2026-10-09T07:00:00Z";
const T2 = "2026-10-09T08:00:00Z";
const stateOf = (states: readonly UrlhausState[]) => new Map(states.map((s) => [s.id, s]));

describe("the changes one poll produces", () => {
  it("adds every new URL at revision 1, in numeric id order, each a valid event", () => {
    const c = urlhausChanges(
      new Map(),
      [entry("10"), entry("9", { threat: null, reporter: null }), entry("10")],
      T1,
    );
    expect(c).toMatchObject({ added: 2, changed: 0, unchanged: 0 });
    expect(c.events.map((e) => e.event_id)).toEqual(["urlhaus:9:r1", "urlhaus:10:r1"]);
    expect(c.events[0]).toEqual({
      event_id: "urlhaus:9:r1",
      ts: T1,
      change: "added",
      revision: 1,
      urlhaus_id: "9",
      url: "http://h9.example/bin.sh",
      host: "h9.example",
      url_status: "online",
      tags: ["elf", "Mozi"],
      date_added: "2026-10-09T06:00:00Z",
      last_online: null,
    });
    for (const e of c.events) expect(UrlhausEventSchema.parse(e)).toEqual(e);
    expect(c.next).toEqual([
      { id: "9", url_status: "online", tags: ["Mozi", "elf"], revision: 1 },
      { id: "10", url_status: "online", tags: ["Mozi", "elf"], revision: 1 },
    ]);
  });

  it("gives nothing when the same entries are polled again with the stored state, tag order aside", () => {
    const entries = [entry("1"), entry("2")];
    const first = urlhausChanges(new Map(), entries, T1);
    const again = urlhausChanges(
      stateOf(first.next),
      [entry("2", { tags: ["Mozi", "elf"] }), entry("1")],
      T2,
    );
    expect(again).toEqual({ events: [], added: 0, changed: 0, unchanged: 2, next: [] });
  });

  it("gives the same events when the same poll runs twice against the same state", () => {
    const previous = stateOf(urlhausChanges(new Map(), [entry("1")], T1).next);
    const poll = [entry("1", { url_status: "offline" }), entry("2")];
    expect(urlhausChanges(previous, poll, T2)).toEqual(urlhausChanges(previous, poll, T2));
  });

  it("gives one status_changed event with the next revision", () => {
    const previous = stateOf([{ id: "7", url_status: "online", tags: ["Mozi", "elf"], revision: 3 }]);
    const c = urlhausChanges(previous, [entry("7", { url_status: "offline", last_online: T1 })], T2);
    expect(c).toMatchObject({ added: 0, changed: 1, unchanged: 0 });
    expect(c.events).toHaveLength(1);
    expect(c.events[0]).toMatchObject({
      event_id: "urlhaus:7:r4",
      change: "status_changed",
      revision: 4,
      url_status: "offline",
      previous_status: "online",
      previous_tags: ["Mozi", "elf"],
      last_online: T1,
    });
    expect(c.next).toEqual([{ id: "7", url_status: "offline", tags: ["Mozi", "elf"], revision: 4 }]);
    expect(
      urlhausChanges(stateOf(c.next), [entry("7", { url_status: "offline", last_online: T1 })], T2).events,
    ).toEqual([]);
  });

  it("gives two events when both the status and the tags change", () => {
    const previous = stateOf([{ id: "7", url_status: "online", tags: ["elf"], revision: 1 }]);
    const c = urlhausChanges(previous, [entry("7", { url_status: "offline", tags: ["elf", "mirai"] })], T2);
    expect(c.events.map((e) => [e.event_id, e.change])).toEqual([
      ["urlhaus:7:r2", "status_changed"],
      ["urlhaus:7:r3", "tags_changed"],
    ]);
    expect(c.events[1]).toMatchObject({ tags: ["elf", "mirai"], previous_tags: ["elf"] });
    expect(c).toMatchObject({
      changed: 1,
      next: [{ id: "7", url_status: "offline", tags: ["elf", "mirai"], revision: 3 }],
    });
  });

  it("refuses an observedAt that is not an ISO date-time and an entry that cannot be an event", () => {
    expect(() => urlhausChanges(new Map(), [entry("1")], "2026-10-09 07:00:00")).toThrow(InvalidInputError);
    expect(() => urlhausChanges(new Map(), [entry("1", { threat: "x".repeat(200) })], T1)).toThrow(/threat/);
  });
});

describeRealData("the real URLhaus publications", () => {
  const text = (name: string) => readRealData(`urlhaus/${name}`).toString("utf8");

  it("reads the 2022 BlazingVermilion CSV: 150 entries, none rejected", () => {
    const r = parseUrlhausCsv(text("urlhaus_recent_sample_2022-09-13_BlazingVermilion_PARTLY_EDITED.csv"));
    expect(r.entries).toHaveLength(150);
    expect(r.rejected).toEqual([]);
    expect(r.lastUpdated).toBe("2022-09-13T07:28:08Z");
    expect(r.columns).toHaveLength(9);
    expect(r.entries[0]).toMatchObject({
      id: "2301008",
      host: "117.216.19.13",
      tags: ["32-bit", "elf", "mips", "Mozi"],
    });
    expect(r.entries.find((e) => e.id === "2301003")?.tags).toEqual([]);
    expect(r.entries.find((e) => e.id === "2301004")).toMatchObject({
      host: "d008.roles.thepowerofgodswhisper.com",
      url_status: "offline",
      last_online: null,
    });
    // Its author masked some last_online values ("2022-09-13 07:XX:XX"): the rows load, the time is unknown.
    expect(r.entries.find((e) => e.id === "2300958")).toMatchObject({
      url_status: "offline",
      last_online: null,
    });
    expect(
      parseUrlhausFeed(text("urlhaus_recent_sample_2022-09-13_BlazingVermilion_PARTLY_EDITED.csv")).format,
    ).toBe("csv");
  });

  it("reads the 2026 kavacha CSV: 38 entries, none rejected, edge cases intact", () => {
    const r = parseUrlhausCsv(text("csv_recent_excerpt_2026-10-09_kavacha_TRANSCRIBED.csv"));
    expect(r.entries).toHaveLength(38);
    expect(r.rejected).toEqual([]);
    expect(r.lastUpdated).toBe("2026-10-09T06:17:08Z");
    const byId = new Map(r.entries.map((e) => [e.id, e]));
    expect(byId.get("3946827")).toMatchObject({
      tags: [],
      host: "182.116.122.168",
      last_online: "2026-10-09T06:17:08Z",
    });
    expect(byId.get("3946783")?.tags).toEqual(["android", "apk"]);
    expect(byId.get("3946822")).toMatchObject({
      host: "stanarcservice.com",
      url_status: "offline",
      last_online: null,
    });
    expect(byId.get("3946760")).toMatchObject({ url_status: "offline", last_online: "2026-10-09T05:07:13Z" });
    expect(byId.get("3946825")?.url).toBe(
      "https://drive.google.com/uc?export=download&id=1L_cku7GNkFeUfFiU2VEsvHDZJbSvzJMx",
    );
    expect(byId.get("3946785")?.url).toMatch(
      /BetterSurvival\.jar\?ex=6ac9c041&is=6ac86ec1&hm=[0-9a-f]{64}&$/,
    );
    expect(byId.get("3946785")?.host).toBe("media.discordapp.net");

    const first = urlhausChanges(new Map(), r.entries, T1);
    expect(first.added).toBe(38);
    for (const e of first.events) UrlhausEventSchema.parse(e);
    expect(urlhausChanges(stateOf(first.next), r.entries, T2).events).toEqual([]);
  });

  it("reads the 2 lines of the Elastic NDJSON dump", () => {
    const r = parseUrlhausFeed(text("elastic_ti_abusech_test-abusechurl-dump.log"));
    expect(r.format).toBe("ndjson");
    expect(r.rejected).toEqual([]);
    expect(r.entries).toEqual([
      {
        id: "2786904",
        date_added: "2024-03-19T11:34:09Z",
        url: "http://115.55.244.160:41619/Mozi.m",
        host: "115.55.244.160",
        url_status: "online",
        last_online: "2024-03-19T11:34:09Z",
        threat: "malware_download",
        tags: ["elf", "Mozi"],
        urlhaus_link: link("2786904"),
        reporter: "lrz_urlhaus",
      },
      expect.objectContaining({
        id: "2786903",
        host: "27.206.236.188",
        tags: ["32-bit", "elf", "mips", "Mozi"],
      }),
    ]);
  });
});
