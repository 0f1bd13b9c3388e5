import { defineConfig } from "vitest/config";

// Unit tests mirror layers/ and never touch the network; integration tests talk to the real local stack
// (`make up`); end-to-end tests drive the investigation page in a browser against serverless offline.
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/integration/support/setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 360_000,
          // One file at a time: the files share the 2 cores and the local stack.
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          setupFiles: ["tests/integration/support/setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 420_000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
