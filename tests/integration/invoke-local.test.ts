import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT, testEnv } from "./support/env";

// `npx serverless invoke local` runs a TypeScript handler (bundled by serverless-esbuild) with no AWS
// account, against the local stack.
const run = promisify(execFile);

describe("serverless invoke local", () => {
  it("runs the health function against the local stack", async () => {
    const { stdout } = await run(
      process.execPath,
      // --data: without it and without a terminal, invoke local waits to read the event from stdin.
      [
        `${ROOT}/node_modules/serverless/bin/serverless.js`,
        "invoke",
        "local",
        "-f",
        "health",
        "--data",
        "{}",
      ],
      { cwd: ROOT, env: { ...process.env, ...testEnv(), SLS_TELEMETRY_DISABLED: "1" }, timeout: 120_000 },
    );
    const result = JSON.parse(stdout.slice(stdout.indexOf("{"), stdout.lastIndexOf("}") + 1)) as {
      statusCode: number;
      body: string;
    };
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
