import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./env";

const run = promisify(execFile);

/** Stops one service of the shared local stack (a fault test's outage). */
export async function stopService(name: "postgres" | "kafka" | "neo4j" | "localstack"): Promise<void> {
  await run("bash", [resolve(ROOT, "localstack/stack.sh"), "down", name], { timeout: 120_000 });
}

/** Starts it again and waits until it is healthy. */
export async function startService(name: "postgres" | "kafka" | "neo4j" | "localstack"): Promise<void> {
  await run("bash", [resolve(ROOT, "localstack/stack.sh"), "up", name], { timeout: 300_000 });
}
