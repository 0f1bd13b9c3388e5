import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, filterDigest, pageOf } from "../../../../layers/core/api/cursor";
import { InvalidInputError } from "../../../../layers/core/errors";

const key: [string, string] = ["2026-11-25T10:00:00.123456Z", "evt-1"];
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected the cursor to be refused");
}

describe("keyset cursors", () => {
  it("round-trip the position of the list and filters they were issued for", () => {
    const filters = { actor: "APT28", tactic: "execution" };
    const cursor = encodeCursor("events", key, filters);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor("events", cursor, { tactic: "execution", actor: "APT28" })).toEqual(key);
  });

  it("ignore limit, cursor and absent filters in the digest", () => {
    expect(filterDigest({ actor: "x", limit: 5, cursor: "c", type: undefined })).toBe(
      filterDigest({ actor: "x" }),
    );
    expect(filterDigest({ actor: "x" })).not.toBe(filterDigest({ actor: "y" }));
  });

  it("refuse a cursor that is not base64url JSON of this API", () => {
    for (const forged of [
      "abc",
      b64("hello"),
      b64({ v: 1 }),
      b64([1, 2]),
      b64({ v: 2, l: "events", f: "x", k: key }),
    ]) {
      const error = refusal(() => decodeCursor("events", forged, {}));
      expect(error.field).toBe("cursor");
      expect(error.message).toContain("not a cursor of this API");
    }
  });

  it("refuse a cursor of another list or of other filters", () => {
    const urls = encodeCursor("urls", ["2026-11-25T10:00:00.000000Z", "42"], {});
    expect(refusal(() => decodeCursor("events", urls, {})).message).toContain("another list");
    const actor = encodeCursor("events", key, { actor: "APT28" });
    expect(refusal(() => decodeCursor("events", actor, { actor: "FIN7" })).message).toContain(
      "other filters",
    );
  });

  it("refuse an edited position: SQL in the id, a bad time, a wrong arity", () => {
    const digest = filterDigest({});
    const forged = [
      ["2026-11-25T10:00:00Z", "evt-1"],
      ["2026-11-25'; DROP TABLE raw.threat_events; --", "evt-1"],
      ["2026-11-25T10:00:00.123456Z", ""],
      ["2026-11-25T10:00:00.123456Z", "x".repeat(129)],
      ["2026-11-25T10:00:00.123456Z"],
      { ts: "2026-11-25T10:00:00.123456Z" },
    ];
    for (const k of forged) {
      const error = refusal(() => decodeCursor("events", b64({ v: 1, l: "events", f: digest, k }), {}));
      expect(error.message).toContain("malformed");
    }
    const kev = b64({ v: 1, l: "kev", f: digest, k: ["2025-01-24", "CVE-2021-44228' OR '1'='1"] });
    expect(refusal(() => decodeCursor("kev", kev, {})).field).toBe("cursor");
  });

  it("refuse a position Postgres could not read back: a time that does not exist, NUL, past bigint", () => {
    // Each has the right form: only a statement's cast would have refused it, with a 500.
    const digest = filterDigest({});
    const refused = (list: "events" | "urls" | "kev", k: unknown[]) =>
      refusal(() => decodeCursor(list, b64({ v: 1, l: list, f: digest, k }), {})).message;
    for (const ts of [
      "2025-99-99T00:00:00.000000Z",
      "2025-06-01T99:00:00.000000Z",
      "2025-02-29T00:00:00.000000Z",
      "0000-01-01T00:00:00.000000Z",
    ]) {
      expect(refused("events", [ts, "evt-1"])).toContain("malformed");
      expect(refused("urls", [ts, "42"])).toContain("malformed");
    }
    expect(refused("events", ["2025-06-01T00:00:00.000000Z", "evt\u00001"])).toContain("malformed");
    expect(refused("urls", ["2025-06-01T00:00:00.000000Z", "9223372036854775808"])).toContain("malformed");
    expect(refused("kev", ["0000-01-01", "CVE-2021-44228"])).toContain("malformed");
    // The extremes that exist are taken.
    const urls = ["2024-02-29T23:59:59.999999Z", "9223372036854775807"] as [string, string];
    expect(decodeCursor("urls", b64({ v: 1, l: "urls", f: digest, k: urls }), {})).toEqual(urls);
  });

  it("pages limit + 1 rows: a cursor only when there is a next page, at the last row shown", () => {
    const rows = [1, 2, 3].map((n) => ({
      n,
      key: [`2026-11-25T10:00:0${n}.000000Z`, `e${n}`] as [string, string],
    }));
    const more = pageOf(rows, 2, "events", (r) => r.key, {});
    expect(more.rows.map((r) => r.n)).toEqual([1, 2]);
    expect(decodeCursor("events", more.nextCursor ?? "", {})).toEqual(rows[1]?.key);
    const last = pageOf(rows.slice(0, 2), 2, "events", (r) => r.key, {});
    expect(last).toEqual({ rows: rows.slice(0, 2), nextCursor: null });
  });
});
