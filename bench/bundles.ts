/**
 * `make bench` (bundles): every function's deployment zip as `serverless package --stage prod` builds it,
 * its size against the 1 MB budget, and its cold import time: how long a fresh Node process takes to
 * require the handler module (what a Lambda cold start pays before the first invocation). Beside each, the
 * same-run baseline: the function as stage local builds it (unminified, with linked source maps).
 * Exits non-zero when a prod zip is over budget. Needs no stack and no AWS account.
 */
import { execFile } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import yauzl from "yauzl";
import { type CloudFormationTemplate, packageService } from "../localstack/serverless-package";

/** Lambda takes 50 MB zipped; ours is far tighter, so cold starts stay short. */
const BUDGET_BYTES = 1_000_000;
/** Fresh processes per handler and build; the best is printed (the least disturbed by other load). */
const RUNS = 5;
/**
 * serverless's own function behind `existing: true` S3 events: plain files that require the AWS SDK the
 * Lambda runtime provides, so it cannot be loaded outside Lambda; its size still counts.
 */
const FRAMEWORK_ZIP = "custom-resources";

interface Bundle {
  name: string;
  zipBytes: number;
  handlerBytes: number;
  handler: string;
  exportName: string;
  nodeOptions: string;
}

/** Extracts every file of a zip under `dest` (a handler may require files beside it). */
async function extractZip(zipPath: string, dest: string): Promise<void> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(zipPath, {
    lazyEntries: true,
  });
  try {
    await new Promise<void>((done, fail) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        const file = join(dest, entry.fileName);
        zip.openReadStream(entry, (error, stream) => {
          if (error) return fail(error);
          mkdir(dirname(file), { recursive: true })
            .then(() => pipeline(stream, createWriteStream(file)))
            .then(() => zip.readEntry(), fail);
        });
      });
      zip.on("end", done);
      zip.on("error", fail);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** The handler module of `base` (the Handler setting before its export name): ours are .cjs, others .js. */
async function handlerModule(dir: string, base: string): Promise<string> {
  for (const extension of [".cjs", ".js"]) {
    const file = join(dir, `${base}${extension}`);
    if (
      await stat(file).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return file;
  }
  throw new Error(`${dir} has no ${base}.cjs or ${base}.js`);
}

// Runs in the fresh process: times the require alone, then checks the handler is there.
const IMPORT_PROBE = `
const start = process.hrtime.bigint();
const mod = require(process.argv[1]);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
if (typeof mod[process.argv[2]] !== "function") throw new Error("no handler " + process.argv[2]);
process.stdout.write(String(ms));
process.exit(0);`;

/** Milliseconds one fresh Node process takes to require the bundle's handler module. */
async function importMs(b: Bundle): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["-e", IMPORT_PROBE, b.handler, b.exportName],
    {
      // The function's own NODE_OPTIONS (source maps on locally), nothing inherited from this process.
      env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: b.nodeOptions },
      timeout: 60_000,
    },
  );
  return Number(stdout);
}

/** Each Lambda function of the template: its zip, handler file and export, and NODE_OPTIONS. */
function functionsOf(template: CloudFormationTemplate) {
  return Object.values(template.Resources)
    .filter((r) => r.Type === "AWS::Lambda::Function")
    .map((r) => {
      const p = r.Properties as {
        Handler: string;
        Code: { S3Key: string };
        Environment?: { Variables?: Record<string, unknown> };
      };
      const zip = p.Code.S3Key.split("/").pop() ?? "";
      const dot = p.Handler.lastIndexOf(".");
      const nodeOptions = p.Environment?.Variables?.NODE_OPTIONS;
      return {
        name: zip.replace(/\.zip$/, ""),
        zip,
        handlerBase: p.Handler.slice(0, dot),
        exportName: p.Handler.slice(dot + 1),
        nodeOptions: typeof nodeOptions === "string" ? nodeOptions : "",
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Packages the stage and unzips each function's handler module. */
async function bundlesOf(stage: string, work: string): Promise<Map<string, Bundle>> {
  process.stdout.write(`bench: serverless package --stage ${stage} … `);
  const started = Date.now();
  const { dir, template } = await packageService(stage, join(work, stage));
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s`);
  const bundles = new Map<string, Bundle>();
  for (const fn of functionsOf(template)) {
    const zipPath = join(dir, fn.zip);
    const unzipped = join(work, stage, "unzipped", fn.name);
    await extractZip(zipPath, unzipped);
    const handler = await handlerModule(unzipped, fn.handlerBase);
    bundles.set(fn.name, {
      name: fn.name,
      zipBytes: (await stat(zipPath)).size,
      handlerBytes: (await stat(handler)).size,
      handler,
      exportName: fn.exportName,
      nodeOptions: fn.nodeOptions,
    });
  }
  return bundles;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "vigil-bundles-"));
  try {
    const prod = await bundlesOf("prod", work);
    const local = await bundlesOf("local", work);
    const rows: string[][] = [];
    for (const b of prod.values()) {
      const base = local.get(b.name);
      // Alternating prod and local runs, so both see the same machine load.
      let best = Number.POSITIVE_INFINITY;
      let baseBest = Number.POSITIVE_INFINITY;
      const timed = b.name !== FRAMEWORK_ZIP;
      for (let i = 0; timed && i < RUNS; i++) {
        best = Math.min(best, await importMs(b));
        if (base) baseBest = Math.min(baseBest, await importMs(base));
      }
      const ms = (value: number) => (timed ? `${value.toFixed(0)} ms` : "runtime SDK");
      rows.push([
        b.name,
        kib(b.zipBytes),
        `${((100 * b.zipBytes) / BUDGET_BYTES).toFixed(0)}%`,
        kib(b.handlerBytes),
        ms(best),
        base ? kib(base.zipBytes) : "-",
        base ? ms(baseBest) : "-",
      ]);
    }
    const head = [
      "function",
      "zip (prod)",
      "of 1 MB",
      "handler file",
      "cold import",
      "zip (local)",
      "import (local)",
    ];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
    console.log(
      `\nDeployment bundles: budget ${BUDGET_BYTES.toLocaleString("en")} bytes per zip; cold import = best of ${RUNS} fresh node processes (${process.version}) requiring the handler`,
    );
    console.log(line(head));
    for (const row of rows) console.log(line(row));
    const over = [...prod.values()].filter((b) => b.zipBytes >= BUDGET_BYTES);
    if (over.length > 0) {
      console.error(
        `\nover the 1 MB budget: ${over.map((b) => `${b.name} (${b.zipBytes} bytes)`).join(", ")}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(1);
});
