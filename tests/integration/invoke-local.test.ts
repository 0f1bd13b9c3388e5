import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeRealData, readRealData } from "../support/real-data";
import { ROOT, testEnv } from "./support/env";
import { FeedServer } from "./support/feed-server";

// `npx serverless invoke local` runs a TypeScript handler (bundled by serverless-esbuild) with no AWS
// account, against the local stack.
const run = promisify(execFile);

/** `serverless invoke local -f <fn>` with the stack's settings (and `env` on top); its printed result. */
async function invokeLocal<T>(
  fn: string,
  env: Record<string, string> = {},
): Promise<{ result: T; stdout: string }> {
  const { stdout } = await run(
    process.execPath,
    // --data: without it and without a terminal, invoke local waits to read the event from stdin.
    [`${ROOT}/node_modules/serverless/bin/serverless.js`, "invoke", "local", "-f", fn, "--data", "{}"],
    {
      cwd: ROOT,
      env: { ...process.env, ...testEnv(), SLS_TELEMETRY_DISABLED: "1", ...env },
      timeout: 180_000,
    },
  );
  // The result is the last JSON document printed (log lines come before it).
  const start = stdout.lastIndexOf("\n{") + 1;
  return { result: JSON.parse(stdout.slice(start, stdout.lastIndexOf("}") + 1)) as T, stdout };
}

describe("serverless invoke local", () => {
  it("runs the health function against the local stack", async () => {
    const { result } = await invokeLocal<{ statusCode: number; body: string }>("health");
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.status).toBe("ok");
    expect(body.checks.map((check) => [check.name, check.ok])).toEqual([
      ["postgres", true],
      ["neo4j", true],
      ["s3", true],
    ]);
  });
});

describeRealData("serverless invoke local of the feeds (recorded feeds from a local server)", () => {
  const server = new FeedServer();
  beforeAll(async () => {
    server.serve("/kev.json", {
      body: readRealData("kev/kev_2025.01.24.json"),
      contentType: "application/json",
    });
    server.serve("/csv_recent/", {
      body: readRealData("urlhaus/csv_recent_excerpt_2026-10-09_kavacha_TRANSCRIBED.csv"),
      contentType: "text/csv",
    });
    await server.start();
  });
  afterAll(() => server.stop());

  it("fetch-kev loads the catalogue and prints the run summary", async () => {
    const { result } = await invokeLocal<Record<string, unknown>>("fetch-kev", {
      KEV_FEED_URL: server.url("/kev.json"),
    });
    // "unchanged" when this stack loaded 2025.01.24 (or a newer catalogue) before.
    expect(["loaded", "unchanged"]).toContain(result.outcome);
    expect(result).toMatchObject({ source: "kev", httpStatus: 200, records: 1252, version: "2025.01.24" });
    expect(result.runId).toEqual(expect.any(Number));
  });

  it("fetch-urlhaus publishes the dump's changes and prints the run summary", async () => {
    const { result } = await invokeLocal<Record<string, unknown>>("fetch-urlhaus", {
      URLHAUS_FEED_URL: server.url("/csv_recent/"),
    });
    expect(["loaded", "unchanged"]).toContain(result.outcome);
    expect(result).toMatchObject({ source: "urlhaus", httpStatus: 200, records: 38, rejected: 0 });
  });
});
