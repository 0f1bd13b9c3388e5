import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { ROOT, waitFor } from "./env";

/** A `serverless offline start` child process, its output kept for assertions and failure messages. */
export interface Offline {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts `serverless offline start` for the service in `serviceDir` (osls from this repo) and resolves
 * once `readyLine` appears in its output.
 */
export async function startOffline(
  serviceDir: string,
  env: Record<string, string>,
  readyLine: RegExp,
): Promise<Offline> {
  const child = spawn(
    process.execPath,
    [resolve(ROOT, "node_modules/serverless/bin/serverless.js"), "offline", "start"],
    {
      cwd: serviceDir,
      env: {
        ...process.env,
        ...env,
        SLS_TELEMETRY_DISABLED: "1",
        SLS_NOTIFICATIONS_MODE: "off",
        FORCE_COLOR: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once(child, "exit");
  const stop = async () => {
    // Kept as a test artifact: what the functions logged is the first thing to read when a test fails.
    mkdirSync(resolve(ROOT, "test-artifacts"), { recursive: true });
    writeFileSync(
      resolve(ROOT, "test-artifacts", `offline-${basename(serviceDir)}-${child.pid}.log`),
      output,
    );
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGINT");
    const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      `serverless offline to print ${readyLine}`,
      () => {
        if (child.exitCode !== null)
          throw new Error(`serverless offline exited (${child.exitCode}):\n${output}`);
        return readyLine.test(output) ? true : undefined;
      },
      240_000,
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- output ---\n${output}`);
  }
  return { child, output: () => output, stop };
}
