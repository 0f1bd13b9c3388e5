/**
 * `make bench`: end-to-end ingest throughput through the emulated Kafka trigger (serverless offline +
 * @vigil/offline-kafka → ingest-events and graph-events), each figure printed beside a per-message
 * baseline measured in the same run: one upsert per record into Postgres and one MERGE per record into
 * Neo4j, as the original design did. BENCH_EVENTS (default 100000) sets the size. A warm-up drain of as
 * many events through both functions comes first, unmeasured. The events are in the topic before
 * serverless offline starts; the clock runs from the moment its Kafka triggers have joined their groups
 * until the last event is in Postgres (or Neo4j): the rate the pipeline drains a backlog, each path alone
 * and both at once. Each drain also reports the CPU time each part of the machine spent (bench/cpu.ts).
 * Afterwards the run's events are removed from Postgres and Neo4j (bronze keeps its objects: it is
 * immutable), so runs neither pile synthetic rows into the dev database nor leave
 * dead rows for autovacuum to clean up while the next run is measured; a run stopped before that is
 * cleaned up by the next one (see removeStoppedRuns).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { Partitioners } from "kafkajs";
import { neo4jThreatGraph } from "../layers/adapters/neo4j/threat-graph";
import { threatEventTable } from "../layers/adapters/postgres/event-tables";
import { s3Bronze } from "../layers/adapters/s3/bronze";
import { generateEvents } from "../layers/core/demo/generator";
import type { ThreatEvent } from "../layers/core/events/threat-event";
import { ThreatEventSchema } from "../layers/core/events/threat-event";
import { toGraphEvent } from "../layers/core/graph/threat-graph";
import { groupForBronze } from "../layers/core/ingest/bronze-keys";
import { decodeRecord } from "../layers/core/ingest/decode";
import { bronzeLine } from "../layers/core/ingest/ingest-batch";
import { type LambdaKafkaEvent, recordsOf } from "../layers/core/ingest/kafka-records";
import { buildClients, closeClients } from "../layers/runtime/clients";
import { readSettings } from "../layers/runtime/config";
import { sampleEvent } from "../localstack/offline-kafka/event-builder.js";
import { countArgument } from "./args";
import { machineCpuMs, mainThreadCpuMs, servicePid, stackRunDir, treeCpuMs } from "./cpu";
import { countEventsWithPrefix, deleteEventsWithPrefix } from "./event-ids";

const ROOT = resolve(import.meta.dirname, "..");
const USAGE = "make bench BENCH_EVENTS=100000, or node --import tsx bench/ingest.ts [events]";
const total = countArgument(2, "the number of events", 100_000, USAGE);
const baselineSize = Math.min(5_000, total);
const settings = readSettings();
const c = buildClients(settings);
const prefix = `bench-${randomBytes(3).toString("hex")}`;

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
// Polled every 250 ms: by key range, so the poll does not take the CPU the pipeline is measured on.
const rows = (p: string) => countEventsWithPrefix(c.pool, `${p}-`);
async function nodes(p: string): Promise<number> {
  const { records } = await c.neo4j.executeQuery(
    "MATCH (t:ThreatEvent) WHERE t.event_id STARTS WITH $p RETURN count(t) AS n",
    { p: `${p}-` },
  );
  return Number(records[0]?.get("n"));
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 1_800_000): Promise<number> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return Date.now();
}

/**
 * Removes the events of the runs `prefixes` (every id under each prefix) from Postgres, then VACUUMs once,
 * and from Neo4j.
 */
async function removeRuns(prefixes: string[], what = "this run's events"): Promise<void> {
  console.log(
    `bench: removing ${what} (${prefixes.map((p) => `${p}-*`).join(", ")}) from Postgres and Neo4j…`,
  );
  let rowsRemoved = 0;
  for (const p of prefixes) rowsRemoved += await deleteEventsWithPrefix(c.pool, `${p}-`);
  await c.pool.query("VACUUM (ANALYZE) raw.threat_events");
  // CALL … IN TRANSACTIONS needs an auto-commit transaction: session.run, not a managed one.
  const session = c.neo4j.session({ defaultAccessMode: "WRITE" });
  try {
    const result = await session.run(
      `UNWIND $prefixes AS p
       MATCH (t:ThreatEvent) WHERE t.event_id STARTS WITH p
       CALL { WITH t DETACH DELETE t } IN TRANSACTIONS OF 10000 ROWS`,
      { prefixes: prefixes.map((p) => `${p}-`) },
    );
    const nodesRemoved = result.summary.counters.updates().nodesDeleted;
    console.log(`bench: removed ${rowsRemoved} rows and ${nodesRemoved} ThreatEvent nodes`);
  } finally {
    await session.close();
  }
}

/**
 * Each run keeps a marker, VIGIL_HOME/run/bench-ingest/<prefix> holding its pid, until its events are
 * removed. A run stopped before its clean-up (Ctrl-C, a closed terminal, kill) leaves its marker behind,
 * and the next run removes those events first: they would otherwise stay in the dev database for good,
 * and every later API bench would read a bigger table.
 */
const RUNS = join(stackRunDir(), "bench-ingest");
const marker = join(RUNS, prefix);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes the events of earlier runs that were stopped before their clean-up; leaves running ones alone. */
async function removeStoppedRuns(): Promise<void> {
  mkdirSync(RUNS, { recursive: true });
  const stopped = readdirSync(RUNS).filter((name) => {
    if (!/^bench-[0-9a-f]{6}$/.test(name)) return false;
    const pid = Number(readFileSync(join(RUNS, name), "utf8").trim());
    return !(Number.isInteger(pid) && pid > 0 && alive(pid));
  });
  if (stopped.length > 0) {
    await removeRuns(stopped, "the events of earlier runs stopped before their clean-up");
    for (const name of stopped) rmSync(join(RUNS, name), { force: true });
  }
  writeFileSync(marker, `${process.pid}\n`);
}

/** The per-message baseline: one statement per record, as the original design did. */
async function baseline(events: ThreatEvent[]): Promise<{ postgresMs: number; neo4jMs: number }> {
  let t = Date.now();
  for (const [i, e] of events.entries()) {
    await c.pool.query(
      `INSERT INTO raw.threat_events (event_id, ts, type, msg, actor, ip, tactic, score, country, channel,
         kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, bronze_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'bench', 0, $11, now(), 'bench')
       ON CONFLICT (event_id) DO UPDATE SET ts = EXCLUDED.ts, score = EXCLUDED.score`,
      [e.event_id, e.ts, e.type, e.msg, e.actor, e.ip, e.tactic, e.score, e.country, e.channel, i],
    );
  }
  const postgresMs = Date.now() - t;
  t = Date.now();
  for (const e of events) {
    await c.neo4j.executeQuery(
      `MERGE (t:ThreatEvent {event_id: $id}) SET t.ts = $ts, t.score = $score
       MERGE (a:Actor {name: $actor}) MERGE (a)-[:GENERATED]->(t)
       MERGE (i:IPAddress {value: $ip}) MERGE (t)-[:TARGETED]->(i)`,
      { id: e.event_id, ts: e.ts, score: e.score, actor: e.actor, ip: e.ip },
    );
  }
  return { postgresMs, neo4jMs: Date.now() - t };
}

/**
 * Where one batch's time goes, stage by stage, in this process with nothing else running: the ceiling
 * the emulated trigger is measured against.
 */
async function profileBatch(size: number): Promise<void> {
  const events = generateEvents(size, { idPrefix: `${prefix}-prof`, seed: 3 });
  const event = sampleEvent({
    topic: "threat.events",
    payloads: events,
    timestamp: Date.now(),
  }) as LambdaKafkaEvent;
  const lap = async <T>(label: string, work: () => Promise<T> | T): Promise<T> => {
    const t = performance.now();
    const result = await work();
    const ms = performance.now() - t;
    console.log(
      `  ${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  ${String(rate(size, ms)).padStart(8)} events/s`,
    );
    return result;
  };
  console.log(`bench: one batch of ${size}, stage by stage (in process):`);
  const decoded = await lap("decode + validate (zod)", () =>
    recordsOf(event).flatMap((r) => {
      const d = decodeRecord(r, ThreatEventSchema);
      return d.kind === "valid" ? [d] : [];
    }),
  );
  const bronze = s3Bronze(c.s3, settings.BRONZE_BUCKET);
  const [group] = groupForBronze(decoded);
  await lap("bronze: gzip + S3 PUT", () =>
    bronze.putJsonLines(`bench/${prefix}.jsonl.gz`, decoded.map(bronzeLine)),
  );
  await lap("Postgres: one jsonb_to_recordset upsert", () =>
    threatEventTable(c.pool).upsert(decoded.map((d) => ({ ...d, bronzeKey: group?.key ?? "" }))),
  );
  await lap("Neo4j: UNWIND MERGE transaction", () =>
    neo4jThreatGraph(c.neo4j).mergeEvents(decoded.map((d) => toGraphEvent(d.event, d.origin))),
  );
}

/**
 * `serverless offline start` with only `functions`' Kafka triggers, resolved once each of them consumes
 * threat.events (its consumer group joined).
 */
function startOffline(functions: readonly string[]): Promise<ChildProcess> {
  return new Promise((resolveStart, reject) => {
    const child = spawn(
      process.execPath,
      [resolve(ROOT, "node_modules/serverless/bin/serverless.js"), "offline", "start"],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          OFFLINE_HTTP_PORT: "3900",
          OFFLINE_LAMBDA_PORT: "3902",
          OFFLINE_KAFKA_FUNCTIONS: functions.join(","),
          LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (functions.every((f) => output.includes(`kafka trigger ${f} ← threat.events: group`))) {
        resolveStart(child);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) =>
      reject(new Error(`serverless offline exited (${code}):\n${output.slice(-3000)}`)),
    );
  });
}

async function stopOffline(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGINT");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
}

/** Puts `count` new events into threat.events; returns their id prefix. */
async function produce(label: string, count: number, seed: number): Promise<string> {
  const idPrefix = `${prefix}-${label}`;
  const events = generateEvents(count, { idPrefix, seed });
  const producer = c.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = Date.now();
  for (let i = 0; i < events.length; i += 5_000) {
    await producer.send({
      topic: "threat.events",
      messages: events.slice(i, i + 5_000).map((e) => ({ key: e.event_id, value: JSON.stringify(e) })),
    });
  }
  await producer.disconnect();
  console.log(
    `bench: ${count} events waiting in threat.events (produced at ${rate(count, Date.now() - started)}/s)`,
  );
  return idPrefix;
}

// The stack's services, each a process tree whose CPU time the drains report (VIGIL_HOME/run/<name>.pid).
const SERVICES = ["postgres", "neo4j", "kafka", "localstack"] as const;
const PARTS = ["trigger", "handlers", ...SERVICES] as const;
type CpuSplit = Record<(typeof PARTS)[number] | "machine", number>;

/**
 * CPU ms so far: serverless offline's main thread (the emulated trigger: Kafka fetches, Lambda events),
 * its worker threads and children (the handlers), each service, the whole machine.
 */
function cpuNow(offline: ChildProcess): CpuSplit | undefined {
  const trees = treeCpuMs({
    offline: offline.pid,
    ...Object.fromEntries(SERVICES.map((s) => [s, servicePid(s)])),
  });
  const [machine, trigger] = [machineCpuMs(), mainThreadCpuMs(offline.pid)];
  if (!trees || machine === undefined || trigger === undefined) return undefined;
  const services = Object.fromEntries(SERVICES.map((s) => [s, trees[s] ?? 0]));
  return { trigger, handlers: (trees.offline ?? 0) - trigger, ...services, machine } as CpuSplit;
}

/**
 * Drains what waits in threat.events through `functions`' triggers: the clock runs from the moment their
 * consumers have joined until every event of `idPrefix` is in Postgres and/or Neo4j. Also returns the CPU
 * each part of the machine spent meanwhile, in ms per 1,000 events.
 */
async function drain(functions: readonly string[], idPrefix: string) {
  const offline = await startOffline(functions);
  try {
    const started = Date.now();
    const before = cpuNow(offline);
    const result: { postgres?: number; neo4j?: number; cpu?: CpuSplit } = {};
    await Promise.all([
      functions.includes("ingest-events") &&
        until("Postgres", async () => (await rows(idPrefix)) >= total).then((t) => {
          result.postgres = rate(total, t - started);
        }),
      functions.includes("graph-events") &&
        until("Neo4j", async () => (await nodes(idPrefix)) >= total).then((t) => {
          result.neo4j = rate(total, t - started);
        }),
    ]);
    const after = cpuNow(offline);
    if (before && after) {
      const perThousand = (k: keyof CpuSplit) => ((after[k] - before[k]) * 1000) / total;
      result.cpu = Object.fromEntries(
        (Object.keys(after) as (keyof CpuSplit)[]).map((k) => [k, perThousand(k)]),
      ) as CpuSplit;
    }
    return result;
  } finally {
    await stopOffline(offline);
  }
}

/** Where each drain's CPU went, in ms per 1,000 events, beside what the targets allow on this machine. */
function printCpu(drains: [string, CpuSplit | undefined][]): void {
  const cores = availableParallelism();
  const budget = (perSecond: number) => Math.round((cores * 1000 * 1000) / perSecond);
  console.log(
    `where the CPU went, ms per 1,000 events (${cores} cores give ${cores * 1000} ms of CPU a second: ` +
      `15,000 events/s leaves ${budget(15_000)} ms per 1,000 for everything, 5,000/s ${budget(5_000)} ms):`,
  );
  const columns = [...PARTS, "rest", "machine"] as const;
  console.log(`${"drain".padEnd(26)}  ${columns.map((c) => c.padStart(11)).join("")}`);
  for (const [name, cpu] of drains) {
    if (!cpu) {
      console.log(`${name.padEnd(26)}  n/a (CPU times come from Linux's /proc)`);
      continue;
    }
    const known = PARTS.reduce((sum, k) => sum + cpu[k], 0);
    const cell = (c: (typeof columns)[number]) =>
      (c === "rest" ? cpu.machine - known : cpu[c]).toFixed(0).padStart(11);
    console.log(`${name.padEnd(26)}  ${columns.map(cell).join("")}`);
  }
  console.log(
    "(trigger: serverless offline's main thread, the emulated event source mapping — Kafka fetches, " +
      "Lambda events — which AWS runs outside the function; handlers: its worker threads — decode, zod, " +
      "bronze gzip, the drivers; each service with every process it started; rest: the kernel's network " +
      "work, this script, the OS.)\n",
  );
}

async function main(): Promise<void> {
  console.log(
    `bench: ${total} events end to end, baseline on ${baselineSize} events (2 cores, every service local)`,
  );
  await removeStoppedRuns();
  const base = await baseline(generateEvents(baselineSize, { idPrefix: `${prefix}-base`, seed: 5 }));
  try {
    // The events wait in the topic before the functions start, so the clock measures what the trigger and
    // the functions drain, not how fast this script's producer can write. Each path first alone — as in
    // AWS, where each function runs on compute of its own — then both at once, sharing the 2 cores.
    // Every service warms up first, unmeasured, on as many events as are measured: the JVMs compile their
    // hot paths and the caches fill. Just started, Neo4j's JIT compilers spend about 90 s of CPU in the
    // first two minutes, and a 100,000-event drain then ran at a third of its warm rate.
    console.log(`bench: warming up: ${total} events through both functions (not measured)`);
    await drain(["ingest-events", "graph-events"], await produce("warm", total, 7));
    const backlog = await produce("e2e", total, 9);
    const ingestAlone = await drain(["ingest-events"], backlog);
    const graphAlone = await drain(["graph-events"], backlog);
    const both = await drain(["ingest-events", "graph-events"], await produce("both", total, 11));

    const pgBase = rate(baselineSize, base.postgresMs);
    const neoBase = rate(baselineSize, base.neo4jMs);
    const row = (path: string, alone = 0, together = 0, baseline = 1, target = "") =>
      `${path.padEnd(26)}  ${String(alone).padStart(12)}  ${String(together).padStart(16)}  ` +
      `${String(baseline).padStart(20)}  ${`${(alone / baseline).toFixed(1)}×`.padStart(8)}  ${target}`;
    console.log("");
    console.log(
      `${"path (events/s)".padEnd(26)}  ${"alone".padStart(12)}  ${"both at once".padStart(16)}  ` +
        `${"per-message baseline".padStart(20)}  ${"speed-up".padStart(8)}  target`,
    );
    console.log(
      row("Kafka → bronze + Postgres", ingestAlone.postgres, both.postgres, pgBase, "≥ 15000/s, ≥ 10×"),
    );
    console.log(row("Kafka → Neo4j", graphAlone.neo4j, both.neo4j, neoBase, "≥ 5000/s, ≥ 10×"));
    console.log("(speed-up: alone against the baseline)\n");
    printCpu([
      ["bronze + Postgres alone", ingestAlone.cpu],
      ["Neo4j alone", graphAlone.cpu],
      ["both at once", both.cpu],
    ]);
    await profileBatch(settings.KAFKA_BATCH_SIZE);
  } finally {
    // A failed clean-up is reported, never in place of the error that ended the run.
    await removeRuns([prefix])
      .then(() => rmSync(marker, { force: true }))
      .catch((error: unknown) =>
        console.error(`bench: removing this run's events failed: ${(error as Error).message}`),
      )
      .finally(() => closeClients(c));
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
