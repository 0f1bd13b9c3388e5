import { defineConfig } from "vitest/config";

// Unit tests mirror layers/ and never touch the network; integration tests talk to the real local stack
// (`make up`).
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
          hookTimeout: 180_000,
          // One file at a time: the files share the 2 cores and the local stack.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
