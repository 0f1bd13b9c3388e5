import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe } from "vitest";

/**
 * The real public feed snapshots and security datasets (../shared/data beside a checkout, or
 * REAL_DATA_DIR). They are not part of the repository: where the folder is absent (a user's fresh clone)
 * the suites that read them are skipped with the reason, and the hand-written fixtures keep every code
 * path covered.
 */
export const REAL_DATA_DIR = resolve(
  process.env.REAL_DATA_DIR ?? join(process.cwd(), "..", "shared", "data"),
);

export const hasRealData = existsSync(join(REAL_DATA_DIR, "README.md"));

/** The absolute path of a file under the real-data folder, e.g. `realDataPath("kev/kev_2025.01.24.json")`. */
export const realDataPath = (relative: string): string => join(REAL_DATA_DIR, relative);

/** The bytes of a real-data file. */
export const readRealData = (relative: string): Buffer => readFileSync(realDataPath(relative));

/** `describe` for suites over the real data: skipped, with the folder it looked for, where it is absent. */
export const describeRealData = (name: string, body: () => void) =>
  hasRealData
    ? describe(name, body)
    : describe.skip(`${name} — skipped: real data not found at ${REAL_DATA_DIR} (set REAL_DATA_DIR)`, body);
