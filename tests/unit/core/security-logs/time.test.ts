import { describe, expect, it } from "vitest";
import {
  clockOffset,
  formatInstant,
  LocalClock,
  parseClockReading,
  parseUtcOffset,
  toUtc,
} from "../../../../layers/core/security-logs/time";

const HOUR = 3_600_000;

describe("parseClockReading", () => {
  it("reads zone-less wall clocks as they are, keeping microseconds", () => {
    const r = parseClockReading("2020-10-18 10:56:18.799");
    expect(r).toEqual({ ms: Date.UTC(2020, 9, 18, 10, 56, 18, 799), us: 0, zoneMinutes: null });
    expect(parseClockReading("2020-10-18T10:56:18.7991234")).toMatchObject({ us: 123 });
  });

  it("reads zones: Z, UTC, ±HH:MM and ±HHMM", () => {
    expect(parseClockReading("2022-05-13T08:54:05.21Z")).toMatchObject({ zoneMinutes: 0 });
    expect(parseClockReading("2022-05-13 08:54:05 UTC")).toMatchObject({ zoneMinutes: 0 });
    expect(parseClockReading("2022-05-13T10:54:05+02:00")).toMatchObject({ zoneMinutes: 120 });
    expect(parseClockReading("2022-05-13T04:54:05-0400")).toMatchObject({ zoneMinutes: -240 });
  });

  it("refuses what is not a timestamp, or an impossible one", () => {
    for (const bad of [
      "yesterday",
      "2020-02-30 10:00:00",
      "2020-13-01 10:00:00",
      "2020-01-01 24:00:00",
      "1604994496",
    ]) {
      expect(parseClockReading(bad)).toBeNull();
    }
  });
});

describe("toUtc and formatInstant", () => {
  it("converts a zoned reading by its own zone and ignores the offset given", () => {
    const r = parseClockReading("2022-05-13T10:54:05.210+02:00");
    expect(r && formatInstant(toUtc(r, 5 * HOUR))).toBe("2022-05-13T08:54:05.210000Z");
  });

  it("applies UTC − local to a zone-less reading", () => {
    const r = parseClockReading("2020-09-22 04:28:20");
    expect(r && formatInstant(toUtc(r, 4 * HOUR))).toBe("2020-09-22T08:28:20.000000Z");
  });

  it("keeps six fractional digits", () => {
    const r = parseClockReading("2020-10-19 02:56:14.2831234");
    expect(r && formatInstant(toUtc(r))).toBe("2020-10-19T02:56:14.283123Z");
  });
});

describe("clockOffset and LocalClock", () => {
  const local = parseClockReading("2020-10-18 10:56:14.285");
  const utc = parseClockReading("2020-10-19 02:56:14.283");

  it("rounds two readings of one moment to the quarter hour: a lost PM plus EDT is 16 hours", () => {
    expect(local && utc && clockOffset(local, toUtc(utc))).toBe(16 * HOUR);
  });

  it("refuses clocks more than 26 hours apart", () => {
    const far = parseClockReading("2020-10-21 02:56:14");
    expect(local && far && clockOffset(local, toUtc(far))).toBeNull();
  });

  it("learns from lines with both clocks, the latest one winning; a seed never overrides what was learned", () => {
    const clock = new LocalClock();
    expect(clock.offsetMs).toBeUndefined();
    clock.seed(4 * HOUR);
    expect(clock.offsetMs).toBe(4 * HOUR);
    if (local && utc) clock.observe(local, toUtc(utc));
    expect(clock.offsetMs).toBe(16 * HOUR);
    clock.seed(4 * HOUR);
    expect(clock.offsetMs).toBe(16 * HOUR);
  });
});

describe("parseUtcOffset", () => {
  it("turns a zone into UTC − local", () => {
    expect(parseUtcOffset("-04:00")).toBe(4 * HOUR);
    expect(parseUtcOffset("+0530")).toBe(-5.5 * HOUR);
    expect(parseUtcOffset("+15:00")).toBeNull();
    expect(parseUtcOffset("EDT")).toBeNull();
  });
});
