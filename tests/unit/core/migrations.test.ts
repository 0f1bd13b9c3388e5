import { describe, expect, it } from "vitest";
import { type Migration, parseMigrationName, planMigrations } from "../../../layers/core/migrations";

const m = (version: number, name: string, checksum = `c${version}`): Migration => ({
  version,
  name,
  sql: "",
  checksum,
});

describe("migration plan", () => {
  it("applies the missing ones in version order", () => {
    const plan = planMigrations(
      [m(3, "c"), m(1, "a"), m(2, "b")],
      [{ version: 1, name: "a", checksum: "c1" }],
    );
    expect(plan.map((x) => x.version)).toEqual([2, 3]);
  });

  it("applies nothing twice", () => {
    expect(planMigrations([m(1, "a")], [{ version: 1, name: "a", checksum: "c1" }])).toEqual([]);
  });

  it("refuses a migration edited after it was applied", () => {
    expect(() =>
      planMigrations([m(1, "schemas", "new")], [{ version: 1, name: "schemas", checksum: "old" }]),
    ).toThrow(/0001_schemas was edited after it was applied .* add a new migration instead/);
  });

  it("refuses a ledger entry whose file is gone, and two files with one version", () => {
    expect(() => planMigrations([], [{ version: 4, name: "x", checksum: "c" }])).toThrow(
      /no file for it exists/,
    );
    expect(() => planMigrations([m(1, "a"), m(1, "b")], [])).toThrow(/share version 1/);
  });

  it("reads version and name from the file name, or says what is expected", () => {
    expect(parseMigrationName("0007_feed_runs.sql")).toEqual({ version: 7, name: "feed_runs" });
    expect(() => parseMigrationName("7-feed.sql")).toThrow(/expected a name like 0002_add_feed_runs\.sql/);
  });
});
