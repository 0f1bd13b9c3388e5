import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../layers/core/errors";
import { readSettings } from "../../../layers/runtime/config";

const valid = {
  KAFKA_BROKERS: "127.0.0.1:9092, 127.0.0.1:9093",
  BRONZE_BUCKET: "vigil-bronze",
  DATABASE_URL: "postgres://u:p@127.0.0.1:5432/vigil",
  NEO4J_URI: "bolt://127.0.0.1:7687",
  NEO4J_PASSWORD: "secret",
};

describe("settings", () => {
  it("reads, validates and applies defaults", () => {
    const s = readSettings(valid);
    expect(s.KAFKA_BROKERS).toEqual(["127.0.0.1:9092", "127.0.0.1:9093"]);
    expect(s.AWS_REGION).toBe("us-east-1");
    expect(s.API_KEYS_SECRET).toBe("vigil/api-keys");
  });

  it("names a missing variable and what it expects", () => {
    const { NEO4J_PASSWORD: _, ...rest } = valid;
    expect(() => readSettings(rest)).toThrow(
      "setting NEO4J_PASSWORD: is not set; expected the Neo4j password",
    );
  });

  it("names a malformed variable with the value seen", () => {
    try {
      readSettings({ ...valid, KAFKA_BROKERS: "localhost" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe("KAFKA_BROKERS");
      expect((error as Error).message).toBe(
        'setting KAFKA_BROKERS: got "localhost"; expected a comma-separated list of host:port, e.g. 127.0.0.1:9092',
      );
    }
    expect(() => readSettings({ ...valid, DATABASE_URL: "mysql://x" })).toThrow(
      /DATABASE_URL: got "mysql:\/\/x"/,
    );
  });

  it("keeps the API's statement timeout under the API functions' 29 s", () => {
    expect(readSettings(valid).API_STATEMENT_TIMEOUT_MS).toBe(20_000);
    expect(readSettings({ ...valid, API_STATEMENT_TIMEOUT_MS: "5000" }).API_STATEMENT_TIMEOUT_MS).toBe(5_000);
    expect(() => readSettings({ ...valid, API_STATEMENT_TIMEOUT_MS: "30000" })).toThrow(
      `setting API_STATEMENT_TIMEOUT_MS: got "30000"; expected milliseconds, 100 to 28000 (under the API functions' 29 s timeout)`,
    );
  });
});
