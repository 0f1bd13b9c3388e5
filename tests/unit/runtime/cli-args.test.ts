import { describe, expect, it } from "vitest";
import { positiveWholeNumber } from "../../../layers/runtime/cli/args";

describe("positiveWholeNumber (the count arguments of make demo and make bench)", () => {
  it("reads a whole number, and takes the fallback when the argument is absent or empty", () => {
    expect(positiveWholeNumber("N", "250", 10)).toBe(250);
    expect(positiveWholeNumber("N", undefined, 10)).toBe(10);
    expect(positiveWholeNumber("N", "", 10)).toBe(10);
  });

  it("refuses anything else, naming the argument, its value and what it expects", () => {
    for (const value of ["0", "-3", "2.5", "x", "1e400"]) {
      expect(() => positiveWholeNumber("RATE", value, 10)).toThrow(
        `RATE is "${value}"; expected a positive whole number`,
      );
    }
  });
});
