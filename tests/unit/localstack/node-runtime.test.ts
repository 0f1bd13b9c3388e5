import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// One Node.js release line everywhere: Lambda's runtime, the bundles' target, the release the local stack
// installs (localstack/lib/node.sh), package.json's engines, and the Node these tests run on.
const root = resolve(import.meta.dirname, "../../..");
const read = (file: string) => readFileSync(resolve(root, file), "utf8");

/** The one capture of `pattern` in `text`; fails naming what was looked for. */
function only(text: string, pattern: RegExp, what: string): string {
  const found = [...text.matchAll(pattern)].map((m) => m[1]);
  expect(found, what).toHaveLength(1);
  return found[0] ?? "";
}

const nodeSh = read("localstack/lib/node.sh");
const pinned = only(
  nodeSh,
  /^VIGIL_NODE_VERSION=(\d+\.\d+\.\d+)$/gm,
  "VIGIL_NODE_VERSION in localstack/lib/node.sh",
);
const line = pinned.split(".")[0];

describe("the Node.js release line", () => {
  it("is the same for Lambda's runtime, the bundles' target and package.json's engines", () => {
    const serverless = read("serverless.yml");
    expect(only(serverless, /^ {2}runtime: nodejs(\d+)\.x$/gm, "provider.runtime")).toBe(line);
    expect(only(serverless, /^ {4}target: node(\d+)$/gm, "custom.esbuild.target")).toBe(line);
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${line}`);
  });

  it("pins an integrity for each platform the release is installed on", () => {
    const pins = [...nodeSh.matchAll(/^ {2}\[([a-z0-9-]+)\]=(\S+)$/gm)].map((m) => [m[1], m[2]]);
    expect(pins.map(([platform]) => platform).sort()).toEqual(["linux-arm64", "linux-x64"]);
    for (const [, integrity] of pins) expect(integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it("is the one these tests run on (make puts it first on PATH)", () => {
    expect(process.versions.node.split(".")[0]).toBe(line);
  });
});
