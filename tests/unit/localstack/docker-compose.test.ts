import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// No Docker engine here, so the compose file is checked as far as a file can be: it parses, every image
// is pinned, and its ports and credentials are the native stack's settings with the same defaults.
const root = resolve(import.meta.dirname, "../../..");
const require = createRequire(import.meta.url);
const { parseEnvFile } = require("../../../localstack/settings.cjs") as {
  parseEnvFile: (text: string, file: string) => [string, string][];
};
const defaults = Object.fromEntries(
  parseEnvFile(readFileSync(resolve(root, ".env.example"), "utf8"), ".env.example"),
);
const compose = parse(readFileSync(resolve(root, "localstack/docker-compose.yml"), "utf8")) as {
  services: Record<
    string,
    { image: string; ports?: string[]; environment?: Record<string, string>; healthcheck?: object }
  >;
};

describe("localstack/docker-compose.yml", () => {
  it("runs the same four services, each with a health check", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["kafka", "localstack", "neo4j", "postgres"]);
    for (const service of Object.values(compose.services)) expect(service.healthcheck).toBeDefined();
  });

  it("pins every image to an exact version", () => {
    for (const [name, { image }] of Object.entries(compose.services)) {
      // major.minor at least (PostgreSQL numbers its patch releases 15.10, 15.11, ...), never a floating tag
      expect(image, name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[\w.-]+)?$/);
    }
    expect(compose.services.localstack?.image).toMatch(/:4\.14\.\d+$/);
    expect(compose.services.neo4j?.image).toMatch(/:5\.26\.\d+-community$/);
  });

  it.each([
    ["kafka", "KAFKA_PORT"],
    ["localstack", "LOCALSTACK_PORT"],
    ["postgres", "POSTGRES_PORT"],
    ["neo4j", "NEO4J_BOLT_PORT"],
  ])("publishes %s on loopback at the port setting %s, with the native default", (service, setting) => {
    const ports = compose.services[service]?.ports ?? [];
    expect(ports).toHaveLength(1);
    expect(ports[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1:\\$\\{${setting}:-${defaults[setting]}\\}:`));
  });

  it("uses the native stack's credentials", () => {
    const pg = compose.services.postgres?.environment ?? {};
    expect(pg.POSTGRES_USER).toBe(`\${POSTGRES_USER:-${defaults.POSTGRES_USER}}`);
    expect(pg.POSTGRES_PASSWORD).toBe(`\${POSTGRES_PASSWORD:-${defaults.POSTGRES_PASSWORD}}`);
    expect(pg.POSTGRES_DB).toBe(`\${POSTGRES_DB:-${defaults.POSTGRES_DB}}`);
    expect(compose.services.neo4j?.environment?.NEO4J_AUTH).toBe(
      `neo4j/\${NEO4J_PASSWORD:-${defaults.NEO4J_PASSWORD}}`,
    );
  });
});
