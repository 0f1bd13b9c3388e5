/**
 * Event times of Windows log exports. Three layouts carry three kinds of clock: `@timestamp` and
 * `TimeGenerated` are UTC with a zone; `EventTime` and `TimeCreated` are the host's local wall clock with no
 * zone at all (in the OTRF exports `TimeCreated` is even a 12-hour clock that lost its AM/PM). Sysmon's
 * `UtcTime` is UTC without a zone marker. Everything here keeps microseconds, which `Date` would drop.
 */

/** A wall-clock reading: epoch milliseconds as if the clock were UTC, plus the microseconds within. */
export interface ClockReading {
  ms: number;
  us: number;
  /** Minutes east of UTC when the text carried a zone (`Z`, `+02:00`), else null. */
  zoneMinutes: number | null;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][zone]`, the forms Windows exports use.
 * @returns null when the text is not such a timestamp or names an impossible date or time.
 */
export function parseClockReading(text: string): ClockReading | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? "0"].map(
    Number,
  ) as [number, number, number, number, number, number];
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  // setUTCFullYear, not Date.UTC, which reads years 0 to 99 as 1900 to 1999 (0001-01-01, a "zero time",
  // would be 1901).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime();
  // Dates roll 2020-02-31 over into March; an impossible day is refused instead.
  if (date.getUTCDate() !== day) return null;
  const fraction = (m[7] ?? "").padEnd(6, "0");
  const micros = Number(fraction.slice(0, 6));
  return {
    ms: ms + Math.floor(micros / 1000),
    us: micros % 1000,
    zoneMinutes: zoneMinutes(m[8]),
  };
}

function zoneMinutes(zone: string | undefined): number | null {
  if (zone === undefined) return null;
  if (/^(z|utc)$/i.test(zone)) return 0;
  const digits = zone.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || "0"));
}

/** 0001-01-01T00:00:00Z: Postgres holds no earlier time (there is no year 0000). */
export const EARLIEST_INSTANT_MS = -62_135_596_800_000;

/** A UTC instant with microseconds. */
export interface Instant {
  ms: number;
  us: number;
}

/** The UTC instant of a reading that carries a zone, or of a zone-less one read with `offsetMs` (UTC − local). */
export function toUtc(reading: ClockReading, offsetMs = 0): Instant {
  const shift = reading.zoneMinutes === null ? offsetMs : -reading.zoneMinutes * 60_000;
  return { ms: reading.ms + shift, us: reading.us };
}

/** ISO 8601 in UTC with six fractional digits, e.g. `2020-09-22T08:28:20.123456Z` (what Postgres keeps). */
export function formatInstant(instant: Instant): string {
  const base = new Date(instant.ms).toISOString(); // …SS.mmmZ
  return `${base.slice(0, 23)}${String(instant.us).padStart(3, "0")}Z`;
}

// Offsets between a local clock and UTC are whole quarter hours; a lost AM/PM adds 12 hours, and zones
// reach ±14 h. Anything beyond is two unrelated clocks, not an offset.
const QUARTER_HOUR = 15 * 60_000;
const MAX_OFFSET = 26 * 3_600_000;

/**
 * The offset (UTC − local) that two readings of the same moment imply, rounded to the quarter hour, or null
 * when they are too far apart to be one moment on two clocks.
 */
export function clockOffset(local: ClockReading, utc: Instant): number | null {
  const offset = Math.round((utc.ms - local.ms) / QUARTER_HOUR) * QUARTER_HOUR;
  return Math.abs(offset) <= MAX_OFFSET ? offset : null;
}

/**
 * What a file taught about its zone-less local clock: the offset seen on the latest line that carried both
 * a local time and a UTC one. Lines are read in order, so a file whose clock crosses noon (a lost AM/PM)
 * is followed as it goes; the first offset of the file seeds the lines before any was seen.
 */
export class LocalClock {
  private learned: number | undefined;

  constructor(seedOffsetMs?: number) {
    this.learned = seedOffsetMs;
  }

  /** Seeds the offset learned by searching ahead, unless a line already taught one. */
  seed(offsetMs: number): void {
    this.learned ??= offsetMs;
  }

  /** Learns from a line that has both clocks. */
  observe(local: ClockReading, utc: Instant): void {
    if (local.zoneMinutes !== null) return;
    const offset = clockOffset(local, utc);
    if (offset !== null) this.learned = offset;
  }

  /** UTC − local in milliseconds, once known. */
  get offsetMs(): number | undefined {
    return this.learned;
  }
}

/**
 * Reads a `±HH:MM` UTC offset (a dataset's `utc_offset` metadata) into milliseconds (UTC − local).
 * @returns null when it is not such an offset.
 */
export function parseUtcOffset(text: string): number | null {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (minutes > 14 * 60) return null;
  // A zone east of UTC (+02:00) is ahead of it: UTC = local − 2 h.
  return (m[1] === "+" ? -1 : 1) * minutes * 60_000;
}
