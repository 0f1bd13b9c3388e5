import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// A function's bundle holds the drivers its handler calls and no others (layers/runtime/container.ts):
// built here with serverless.yml's esbuild options for AWS, and read from what the output took from each
// input file.
const root = resolve(import.meta.dirname, "../../..");
const DRIVERS = {
  postgres: "node_modules/pg/",
  neo4j: "node_modules/neo4j-driver",
  kafka: "node_modules/kafkajs/",
  s3: "node_modules/@aws-sdk/client-s3/",
  secrets: "node_modules/@aws-sdk/client-secrets-manager/",
} as const;
type Driver = keyof typeof DRIVERS;

async function driversOf(entry: string): Promise<Driver[]> {
  const { metafile } = await build({
    entryPoints: [resolve(root, entry)],
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: true,
    keepNames: true,
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  // Every file esbuild read is in `inputs`; what the bundle holds is what the output took bytes from.
  const output = Object.values(metafile.outputs)[0];
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, taken]) => taken.bytesInOutput > 0)
    .map(([file]) => file);
  return (Object.keys(DRIVERS) as Driver[]).filter((d) => inputs.some((i) => i.startsWith(DRIVERS[d])));
}

describe("each function's bundle", () => {
  it.each([
    ["functions/api/events.ts", ["postgres"]],
    ["functions/api/ips.ts", ["postgres"]],
    ["functions/api/kev.ts", ["postgres"]],
    ["functions/api/urls.ts", ["postgres"]],
    ["functions/api/openapi.ts", []],
    ["functions/api/authorizer.ts", ["secrets"]],
    ["functions/api/graph.ts", ["neo4j"]],
    ["functions/api/pipeline.ts", ["postgres", "kafka"]],
    ["functions/graph-events/handler.ts", ["neo4j"]],
    ["functions/ingest-events/handler.ts", ["postgres", "kafka", "s3"]],
    ["functions/health/handler.ts", ["postgres", "neo4j", "s3"]],
  ])(
    "%s holds only %j",
    async (entry, expected) => {
      expect(await driversOf(entry)).toEqual(expected);
    },
    30_000,
  );
});
