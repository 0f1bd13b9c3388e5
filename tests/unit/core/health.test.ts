import { describe, expect, it } from "vitest";
import { checkDependencies } from "../../../layers/core/health";

describe("dependency checks", () => {
  it("reports each probe, and a hung one as failed after the deadline", async () => {
    const checks = await checkDependencies(
      {
        up: async () => {},
        down: async () => {
          throw new Error("connection refused");
        },
        hung: () => new Promise(() => {}),
      },
      50,
    );
    expect(checks.map(({ name, ok, error }) => ({ name, ok, error }))).toEqual([
      { name: "up", ok: true, error: undefined },
      { name: "down", ok: false, error: "connection refused" },
      { name: "hung", ok: false, error: "no answer within 50 ms" },
    ]);
  });
});
