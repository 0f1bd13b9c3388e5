import { describe, expect, it } from "vitest";
import { encodeCursor } from "../../../../layers/core/api/cursor";
import { EventListQuery, eventQuery } from "../../../../layers/core/api/events";
import { KevListQuery, listQuery, UrlListQuery } from "../../../../layers/core/api/feeds";
import { GraphQuery } from "../../../../layers/core/api/graph";
import { type EventQueries, eventPage } from "../../../../layers/core/api/investigations";
import { IpPath, IpPivotQuery, TopIpsQuery } from "../../../../layers/core/api/ips";
import { instantMicros, invalidInput, repeatedParameter } from "../../../../layers/core/api/params";
import type { z } from "../../../../layers/core/api/zod";
import { cvesNamedIn } from "../../../../layers/core/cve";
import { InvalidInputError } from "../../../../layers/core/errors";

/** The parsed value of parameters the schema accepts. */
function parseOk<S extends z.AnyZodObject>(schema: S, input: Record<string, string>): z.output<S> {
  return schema.parse(input);
}

/** What the API answers for these parameters: the parsed value, or the 400's field and message. */
function parse<S extends z.AnyZodObject>(schema: S, input: Record<string, string>) {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true as const, value: result.data as z.output<S> };
  const error = invalidInput(result.error, Object.keys(schema.shape), input);
  return { ok: false as const, field: error.field, message: error.message };
}

describe("events filters", () => {
  it("parses every filter and defaults the limit to 50", () => {
    const parsed = parse(EventListQuery, {
      type: "phishing",
      actor: " APT28 ",
      tactic: "initial-access",
      country: "DE",
      channel: "email",
      ip: "2001:DB8::7",
      min_score: "0.75",
      since: "2026-11-01T00:00:00Z",
      until: "2026-11-02T00:00:00+01:00",
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        type: "phishing",
        actor: "APT28",
        tactic: "initial-access",
        country: "DE",
        channel: "email",
        ip: "2001:DB8::7",
        min_score: 0.75,
        since: "2026-11-01T00:00:00Z",
        until: "2026-11-02T00:00:00+01:00",
        limit: 50,
      },
    });
  });

  it.each([
    ["limit", "1000000000", "a whole number from 1 to 500"],
    ["limit", "0", "a whole number from 1 to 500"],
    ["limit", "1e9", "a whole number from 1 to 500"],
    ["limit", "", "a whole number from 1 to 500"],
    ["limit", "-5", "a whole number from 1 to 500"],
    ["limit", "9".repeat(400), "a whole number from 1 to 500"],
    ["min_score", "1.5", "a decimal from 0 to 1"],
    ["min_score", "0.8 OR 1=1", "a decimal from 0 to 1"],
    ["tactic", "' OR 1=1 --", "one of reconnaissance, resource-development"],
    ["country", "de", "ISO 3166-1 alpha-2"],
    ["country", "DE' --", "ISO 3166-1 alpha-2"],
    ["since", "yesterday", "ISO 8601"],
    ["since", "2025-06-01T00:00:00+23:59", "offset up to ±15:59"],
    ["until", "0000-01-01T00:00:00Z", "year from 0001"],
    ["ip", "198.51.100", "an IPv4 or IPv6 address"],
    ["ip", "1.2.3.4' OR '1'='1", "an IPv4 or IPv6 address"],
    ["actor", "x".repeat(257), "1 to 256 characters"],
    ["type", "", "1 to 64 characters"],
    ["channel", "  ", "1 to 64 characters"],
    ["cursor", "ab$cd", "a cursor returned by the previous page"],
  ])("refuses %s=%j naming the field", (field, value, message) => {
    const parsed = parse(EventListQuery, { [field]: value });
    expect(parsed).toMatchObject({ ok: false, field });
    expect(parsed.ok ? "" : parsed.message).toContain(message);
  });

  it("quotes the value it refuses, escaped and cut short, beside what it expected", () => {
    expect(parse(EventListQuery, { since: "yesterday" })).toMatchObject({
      message:
        'since: got "yesterday"; expected an ISO 8601 time with a zone (offset up to ±15:59, year from 0001), e.g. 2026-11-25T10:00:00Z',
    });
    const long = parse(EventListQuery, { actor: `"${"x".repeat(300)}` });
    expect(long).toMatchObject({
      message: `actor: got "\\"${"x".repeat(63)}…"; expected 1 to 256 characters`,
    });
    expect(parse(EventListQuery, { limit: "0" })).toMatchObject({
      message: 'limit: got "0"; expected a whole number from 1 to 500',
    });
  });

  it("refuses a parameter given more than once, quoting its first values, from the raw query string", () => {
    expect(repeatedParameter("actor=APT28&limit=5&actor=APT%2029")).toMatchObject({
      field: "actor",
      message: 'actor: got 2 values ("APT28", "APT 29"); expected one',
    });
    expect(repeatedParameter("tag=a&tag=b&tag=c&tag=d")?.message).toBe(
      'tag: got 4 values ("a", "b", "c", …); expected one',
    );
    for (const raw of [undefined, "", "tag=a,b&limit=5", "actor=APT28&actr=APT28"]) {
      expect(repeatedParameter(raw), String(raw)).toBeUndefined();
    }
  });

  it("refuses an unknown parameter, listing the accepted ones", () => {
    const parsed = parse(EventListQuery, { actr: "APT28" });
    expect(parsed).toMatchObject({ ok: false, field: "actr" });
    expect(parsed.ok ? "" : parsed.message).toContain("accepted: type, actor, tactic");
  });

  it("checks the time range and opens the cursor against the same filters", () => {
    expect(() =>
      eventQuery({ since: "2026-11-02T00:00:00Z", until: "2026-11-01T00:00:00Z", limit: 5 }),
    ).toThrow(InvalidInputError);
    const { filter, page } = eventQuery({ actor: "APT28", type: undefined, limit: 5 }, { ip: "192.0.2.1" });
    expect(filter).toEqual({ actor: "APT28", ip: "192.0.2.1" });
    expect(page).toEqual({ limit: 5 });
  });

  it("orders since and until to the microsecond, as Postgres keeps times", () => {
    const range = (since: string, until: string) => () => eventQuery({ since, until, limit: 5 });
    expect(range("2025-06-01T00:00:00Z", "2025-06-01T00:00:00.0001Z")).not.toThrow();
    expect(range("2025-06-01T02:00:00.000001+02:00", "2025-06-01T00:00:00.000002Z")).not.toThrow();
    expect(range("2025-06-01T00:00:00.0001Z", "2025-06-01T00:00:00.0001Z")).toThrow(/must be after since/);
    expect(range("2025-06-01T00:00:00Z", "2025-06-01T01:59:59.9999999+02:00")).toThrow(/must be after since/);
  });

  it("reads an instant in microseconds, with its offset, rounded as Postgres rounds", () => {
    expect(instantMicros("1970-01-01T00:00:00Z")).toBe(0n);
    expect(instantMicros("1970-01-01T01:00:00.000001+01:00")).toBe(1n);
    expect(instantMicros("1970-01-01T00:00:00.0000015Z")).toBe(2n);
    expect(instantMicros("1969-12-31T19:00:00-0500")).toBe(0n);
    expect(instantMicros("1970-01-01T00:01Z")).toBe(60_000_000n);
    expect(instantMicros("1970-01-01T01:01+01:00")).toBe(60_000_000n);
    expect(instantMicros("0001-01-01T00:00:00Z")).toBe(
      BigInt(Date.UTC(2001, 0, 1) - 2000 * 31_556_952_000) * 1000n,
    );
  });

  it("filters on an IP in one spelling, so the pivot's cursor continues on the list in any other", () => {
    const pivot = eventQuery({ limit: 20 }, { ip: "2001:db8:0:0:0:0:0:7" });
    expect(pivot.filter).toEqual({ ip: "2001:db8::7" });
    const key = ["2026-11-01T00:00:00.000000Z", "e1"] as const;
    const cursor = encodeCursor("events", [...key], pivot.filter as Record<string, unknown>);
    const list = eventQuery({ ip: "2001:DB8::0:7", limit: 50, cursor });
    expect(list.filter).toEqual({ ip: "2001:db8::7" });
    expect(list.page).toEqual({ limit: 50, after: [...key] });
    expect(() => eventQuery({ ip: "2001:db8::8", limit: 50, cursor })).toThrow(/other filters/);
  });

  it("continues a cursor whichever offset or precision since and until are spelt with, not another range", async () => {
    const first = eventQuery({ since: "2026-11-01T02:00:00+02:00", until: "2026-11-02T00:00:00Z", limit: 1 });
    const row = (id: string) => ({ item: { event_id: id }, position: ["2026-11-01T12:00:00.000000Z", id] });
    const store = { list: async () => [row("e2"), row("e1")] } as unknown as EventQueries;
    const cursor = (await eventPage(store, first.filter, first.page)).body.meta.next_cursor ?? "";
    const next = (since: string, until: string) => eventQuery({ since, until, limit: 1, cursor });
    const after = ["2026-11-01T12:00:00.000000Z", "e2"];
    expect(next("2026-11-01T00:00:00.000Z", "2026-11-01T19:00:00-05:00").page.after).toEqual(after);
    expect(next("2026-11-01T03:00:00+03:00", "2026-11-02T00:00:00.000000Z").page.after).toEqual(after);
    // The filter keeps the spelling given (Postgres reads it); only the cursor's digest reads the instant.
    expect(next("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z").filter.since).toBe("2026-11-01T00:00:00Z");
    expect(() => next("2026-11-01T00:00:00.000001Z", "2026-11-02T00:00:00Z")).toThrow(/other filters/);
    expect(() => next("2026-11-01T02:00:00+01:00", "2026-11-02T00:00:00Z")).toThrow(/other filters/);
    // A time without seconds is a time like any other (the schema takes it): the cursor reads it too.
    expect(next("2026-11-01T00:00Z", "2026-11-02T00:00+00:00").page.after).toEqual(after);
  });

  it("reads every spelling of a time the parameter accepts, to the microsecond", () => {
    const spellings = [
      "2026-11-01T00:00Z",
      "2026-11-01T02:00+02:00",
      "2026-11-01T02:00:00+0200",
      "2026-11-01T00:00:00.000000Z",
      "2026-10-31T19:00:00.0000001-05:00",
    ];
    for (const since of spellings) {
      expect(parseOk(EventListQuery, { since }).since).toBe(since);
      expect(instantMicros(since)).toBe(instantMicros("2026-11-01T00:00:00Z"));
    }
  });
});

describe("the other routes' parameters", () => {
  it("IPs: v4 and v6 pass; malformed, zoned and injected ones are refused", () => {
    for (const ip of ["198.51.100.7", "2001:db8::7", "::ffff:192.0.2.1"])
      expect(parse(IpPath, { ip }).ok).toBe(true);
    for (const ip of [
      "300.1.1.1",
      "198.51.100",
      "fe80::1%eth0",
      "1.2.3.4/24",
      "1.2.3.4' OR '1'='1",
      "[::1]",
    ]) {
      expect(parse(IpPath, { ip })).toMatchObject({ ok: false, field: "ip" });
    }
  });

  it("top IPs default to score above 0.8 and 10 IPs", () => {
    expect(parse(TopIpsQuery, {})).toEqual({ ok: true, value: { score_above: 0.8, limit: 10 } });
  });

  it("the IP pivot pages 20 rows of each part unless asked, at most 500, and takes a cursor", () => {
    expect(parse(IpPivotQuery, {})).toEqual({ ok: true, value: { limit: 20 } });
    expect(parse(IpPivotQuery, { limit: "500" })).toEqual({ ok: true, value: { limit: 500 } });
    expect(parse(IpPivotQuery, { limit: "501" })).toMatchObject({ ok: false, field: "limit" });
    expect(parse(IpPivotQuery, { actor: "APT28" })).toMatchObject({ ok: false, field: "actor" });
  });

  it("KEV: booleans spelt out, days that exist", () => {
    expect(parse(KevListQuery, { ransomware: "true", added_since: "2025-01-24" })).toMatchObject({
      ok: true,
      value: { ransomware: true, added_since: "2025-01-24", limit: 50 },
    });
    expect(parse(KevListQuery, { ransomware: "yes" })).toMatchObject({ ok: false, field: "ransomware" });
    expect(parse(KevListQuery, { added_since: "0000-01-01" })).toMatchObject({
      ok: false,
      field: "added_since",
    });
    expect(parse(KevListQuery, { added_since: "2025-02-30" })).toMatchObject({
      ok: false,
      field: "added_since",
    });
  });

  it("KEV and URLs: a cursor continues whatever the case of a case-insensitive filter, or a default spelt out", () => {
    const first = listQuery("kev", parseOk(KevListQuery, { vendor: "Microsoft", include_removed: "false" }));
    const cursor = encodeCursor("kev", ["2025-01-24", "CVE-2025-0001"], first.filter);
    const nexts: Record<string, string>[] = [
      { vendor: "microsoft" },
      { vendor: "MICROSOFT", include_removed: "false" },
    ];
    for (const next of nexts) {
      const page = listQuery("kev", parseOk(KevListQuery, { ...next, cursor }));
      expect(page.page.after, JSON.stringify(next)).toEqual(["2025-01-24", "CVE-2025-0001"]);
    }
    expect(() =>
      listQuery("kev", parseOk(KevListQuery, { vendor: "microsoft", include_removed: "true", cursor })),
    ).toThrow(InvalidInputError);
    const urls = listQuery("urls", parseOk(UrlListQuery, { tag: "Mozi" }));
    const urlCursor = encodeCursor("urls", ["2026-01-01T00:00:00.000000Z", "1"], urls.filter);
    expect(
      listQuery("urls", parseOk(UrlListQuery, { tag: "mozi", cursor: urlCursor })).page.after,
    ).toBeDefined();
  });

  it("URLs: a known status, a host as URLs are filed under it", () => {
    expect(parse(UrlListQuery, { status: "online", host: "Example.COM" })).toMatchObject({
      ok: true,
      value: { status: "online", host: "example.com" },
    });
    for (const [given, host] of [
      ["Example.COM.", "example.com"],
      ["[2001:DB8::7]", "2001:db8::7"],
      ["2001:db8::7", "2001:db8::7"],
    ]) {
      expect(parse(UrlListQuery, { host: given as string }), given).toMatchObject({ value: { host } });
    }
    expect(parse(UrlListQuery, { status: "up" })).toMatchObject({ ok: false, field: "status" });
  });

  it("graph: a label of the model, depth 1 to 3", () => {
    expect(parse(GraphQuery, { label: "IPAddress", key: "198.51.100.7" })).toEqual({
      ok: true,
      value: { label: "IPAddress", key: "198.51.100.7", depth: 1, limit: 100 },
    });
    expect(parse(GraphQuery, { label: "IPAddress", key: "x", depth: "4" })).toMatchObject({
      ok: false,
      field: "depth",
    });
    expect(parse(GraphQuery, { label: "n) DETACH DELETE n //", key: "x" })).toMatchObject({
      ok: false,
      field: "label",
    });
    expect(parse(GraphQuery, { label: "Actor" })).toMatchObject({
      ok: false,
      field: "key",
      message: "key: is required",
    });
  });

  it("finds CVE ids in free text, once each, upper-cased", () => {
    expect(
      cvesNamedIn(["exploit of cve-2021-44228 and CVE-2021-44228", "tags: CVE-2017-17215 mozi", "CVE-21-1"]),
    ).toEqual(["CVE-2017-17215", "CVE-2021-44228"]);
  });
});
