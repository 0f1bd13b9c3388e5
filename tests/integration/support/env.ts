import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { loadSettings, listOf } = require("../../../localstack/settings.cjs") as {
  loadSettings: (env?: NodeJS.ProcessEnv) => Record<string, string>;
  listOf: (value: string | undefined) => string[];
};

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The settings the stack runs with (environment > .env > .env.example), as the functions see them. */
export const testEnv = (): Record<string, string> => loadSettings(process.env);

/** A comma-separated setting as the list serverless.yml gets (settings.cjs's `…_LIST` values). */
export const listSetting = (name: string): string[] => listOf(testEnv()[name]);

/** A random suffix, so each test has its own topics, groups, prefixes and labels. */
export const uniqueSuffix = (): string => randomBytes(4).toString("hex");

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
