import { describe, expect, it } from "vitest";
import { positionOf } from "../../../layers/adapters/postgres/investigations";

describe("positionOf: an event's sort key from Postgres's timestamp text", () => {
  it("keeps all six fraction digits, as the table sorts", () => {
    expect(positionOf("2025-01-01 00:00:30.000001")).toBe("2025-01-01T00:00:30.000001Z");
    expect(positionOf("2026-11-25 10:00:00.123456")).toBe("2026-11-25T10:00:00.123456Z");
  });

  it("pads what Postgres leaves out: trailing zeros and a whole second", () => {
    expect(positionOf("2025-01-01 00:00:30.5")).toBe("2025-01-01T00:00:30.500000Z");
    expect(positionOf("2025-01-01 00:00:30.05")).toBe("2025-01-01T00:00:30.050000Z");
    expect(positionOf("2025-01-01 00:00:30")).toBe("2025-01-01T00:00:30.000000Z");
  });

  it("refuses any other rendering rather than page on a key that sorts differently", () => {
    for (const text of ["01/01/2025 00:00:30.5", "2025-01-01T00:00:30Z", "2025-01-01 00:00:30+00", ""]) {
      expect(() => positionOf(text)).toThrow(/not in the ISO DateStyle/);
    }
  });
});
