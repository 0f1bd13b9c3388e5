import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { delimiter, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, ROOT, uniqueSuffix } from "./support/env";

// The launcher's promises, on a stack of its own (its own VIGIL_HOME and ports, the cached tools shared)
// so the stack the other tests use is left alone: idempotent `up`, a dead service restarted, `down`
// leaving no process, and bad settings named in the error.
const run = promisify(execFile);
const home = resolve(ROOT, ".vigil/tmp", `stack-${uniqueSuffix()}`);
mkdirSync(home, { recursive: true });
symlinkSync(resolve(ROOT, ".vigil/tools"), join(home, "tools"));

async function stack(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run("bash", [resolve(ROOT, "localstack/stack.sh"), ...args], {
      env: { ...process.env, VIGIL_HOME: home, ...env },
      timeout: 180_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

const pid = () => Number(readFileSync(join(home, "run/kafka.pid"), "utf8"));
const ourProcesses = () =>
  readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(home);
      } catch {
        return false;
      }
    });

const held: Server[] = [];
afterAll(async () => {
  await stack(["down"]);
  for (const server of held) server.close();
  rmSync(home, { recursive: true, force: true });
});

describe("the native stack launcher", async () => {
  const ports = { KAFKA_PORT: String(await freePort()), KAFKA_CONTROLLER_PORT: String(await freePort()) };

  it("starts a service once: a second `up` keeps the same process", async () => {
    const first = await stack(["up", "kafka"], ports);
    expect(first.output).toMatch(/kafka: healthy — Apache Kafka 3\.9\.\d+ \(KRaft\) 127\.0\.0\.1:\d+/);
    expect(first.code).toBe(0);
    const before = pid();
    const second = await stack(["up", "kafka"], ports);
    expect(second.code).toBe(0);
    expect(second.output).not.toMatch(/kafka: starting/);
    expect(pid()).toBe(before);
  });

  it("starts a service that died again on the next `up`", async () => {
    const dead = pid();
    process.kill(-dead, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    const status = await stack(["status"], ports);
    expect(status.code).not.toBe(0);
    expect(status.output).toMatch(/kafka\s+stopped/);
    const again = await stack(["up", "kafka"], ports);
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/kafka: starting/);
    expect(pid()).not.toBe(dead);
  });

  it("leaves none of its processes after `down`", async () => {
    expect(ourProcesses().length).toBeGreaterThan(0);
    const down = await stack(["down"], ports);
    expect(down.code).toBe(0);
    expect(ourProcesses()).toEqual([]);
  });

  it("names the setting when a port is taken", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    held.push(server);
    const address = server.address();
    const taken = String(typeof address === "object" && address ? address.port : 0);
    const result = await stack(["up", "kafka"], { ...ports, KAFKA_PORT: taken });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(`kafka cannot start: port ${taken} (KAFKA_PORT) is already in use`);
    expect(result.output).toContain("set KAFKA_PORT to a free port in .env");
  });

  it("names a missing tool", async () => {
    // A PATH with everything the machine has except java.
    const bin = join(home, "bin-without-java");
    mkdirSync(bin, { recursive: true });
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name === "java") continue;
        try {
          symlinkSync(join(dir, name), join(bin, name));
        } catch {
          // an earlier PATH entry already provides this name
        }
      }
    }
    const result = await stack(["up", "kafka"], { ...ports, PATH: bin });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("'java' is not installed: Kafka needs a Java 17+ runtime");
  });

  it("rejects an unknown service by name", async () => {
    const result = await stack(["up", "zookeeper"]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("unknown service 'zookeeper' (one of: postgres kafka neo4j localstack)");
  });
});
