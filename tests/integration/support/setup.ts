import { testEnv } from "./env";

// Integration tests see the settings the stack runs with, also when vitest is started by hand rather
// than through `make integration` (which exports them already). The environment still wins.
for (const [name, value] of Object.entries(testEnv())) process.env[name] ??= value;
