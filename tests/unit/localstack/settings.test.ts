import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const { loadSettings, parseEnvFile } = require("../../../localstack/settings.cjs") as {
  loadSettings: (env: Record<string, string | undefined>) => Record<string, string>;
  parseEnvFile: (text: string, file: string) => [string, string][];
};

describe("local settings", () => {
  it("parses NAME=value lines, skipping comments and removing quotes", () => {
    expect(parseEnvFile("# c\n\nA=1\nexport B='two words'\nC=\"x=y\"\n", ".env")).toEqual([
      ["A", "1"],
      ["B", "two words"],
      ["C", "x=y"],
    ]);
  });

  it("names the file and line of a malformed entry", () => {
    expect(() => parseEnvFile("A=1\nnot a setting\n", ".env")).toThrow(
      '.env:2: expected NAME=value, got "not a setting"',
    );
  });

  it("lets the environment win and expands references, so one port setting moves the URL with it", () => {
    const settings = loadSettings({ POSTGRES_PORT: "6543" });
    expect(settings.POSTGRES_PORT).toBe("6543");
    expect(settings.DATABASE_URL).toMatch(/@127\.0\.0\.1:6543\//);
    expect(settings.VIGIL_HOME).toMatch(/^\//);
  });
});
