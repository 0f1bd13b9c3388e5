/**
 * Where the benchmarks' CPU goes, from Linux's /proc: the whole machine's CPU time, and each local
 * service's (a process with everything it started). Elsewhere both are undefined and the benches print
 * "n/a" in their place.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

// /proc counts in USER_HZ ticks, 100 a second on every Linux the stack runs on (`getconf CLK_TCK`).
const TICK_MS = 10;

/** CPU time the machine has spent since it booted, in ms: user, nice, system, irq and softirq. */
export function machineCpuMs(): number | undefined {
  if (!existsSync("/proc/stat")) return undefined;
  // cpu  user nice system idle iowait irq softirq steal …
  const ticks = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 8);
  const [user, nice, system, , , irq, softirq] = ticks.map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * TICK_MS;
}

interface ProcessTimes {
  parent: number;
  /** Its own CPU time and that of the children it has already waited for, in ms. */
  ms: number;
  /** Its own CPU time alone (for a thread's stat: that thread's), in ms. */
  ownMs: number;
}

/** One /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat); undefined when the process is gone. */
function readStat(path: string): ProcessTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  // pid (comm) state ppid … utime stime cutime cstime: comm may hold spaces, so fields count from ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  const ownMs = ((utime ?? 0) + (stime ?? 0)) * TICK_MS;
  return { parent: Number(fields[1]), ownMs, ms: ownMs + ((cutime ?? 0) + (cstime ?? 0)) * TICK_MS };
}

function processTimes(): Map<number, ProcessTimes> {
  const times = new Map<number, ProcessTimes>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const t = readStat(join("/proc", name, "stat"));
    if (t) times.set(Number(name), t);
  }
  return times;
}

/**
 * CPU time spent so far by each named process tree, in ms: the process, every descendant still running,
 * and the descendants already gone (counted by their parents once reaped, as Postgres's backends are).
 * A tree whose root is not running counts 0.
 */
export function treeCpuMs(roots: Record<string, number | undefined>): Record<string, number> | undefined {
  if (!existsSync("/proc/self/stat")) return undefined;
  const times = processTimes();
  const children = new Map<number, number[]>();
  for (const [pid, t] of times) {
    const siblings = children.get(t.parent);
    if (siblings) siblings.push(pid);
    else children.set(t.parent, [pid]);
  }
  const total = (pid: number): number =>
    (times.get(pid)?.ms ?? 0) + (children.get(pid) ?? []).reduce((sum, child) => sum + total(child), 0);
  return Object.fromEntries(
    Object.entries(roots).map(([name, pid]) => [name, pid && times.has(pid) ? total(pid) : 0]),
  );
}

/** CPU time spent so far by the main thread of process `pid`, in ms (its worker threads not counted). */
export function mainThreadCpuMs(pid: number | undefined): number | undefined {
  return pid ? readStat(`/proc/${pid}/task/${pid}/stat`)?.ownMs : undefined;
}

const require = createRequire(import.meta.url);
const { loadSettings } = require("../localstack/settings.cjs") as {
  loadSettings: (env?: NodeJS.ProcessEnv) => Record<string, string>;
};

/** The local stack's run directory, VIGIL_HOME/run, as the stack resolves it (environment > .env > .env.example). */
export const stackRunDir = (): string => join(loadSettings(process.env).VIGIL_HOME ?? ".vigil", "run");

/** The pid the local stack recorded for `service` (localstack/stack.sh writes VIGIL_HOME/run/<service>.pid). */
export function servicePid(service: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(stackRunDir(), `${service}.pid`), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
