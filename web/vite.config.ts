import { defineConfig } from "vite";

// The page calls the API on its own origin (/v1, /openapi.json, /health). In development and under
// `make start` Vite forwards those paths to `serverless offline` (VIGIL_API_URL); deployed, the static files
// sit behind the same domain as the API, or config.js names another base URL.
const api = process.env.VIGIL_API_URL ?? "http://127.0.0.1:3000";
const proxy = Object.fromEntries(["/v1", "/openapi.json", "/health"].map((path) => [path, { target: api }]));

export default defineConfig({
  server: { host: "127.0.0.1", port: Number(process.env.WEB_PORT ?? 5173), strictPort: true, proxy },
  preview: { host: "127.0.0.1", port: Number(process.env.WEB_PORT ?? 5173), strictPort: true, proxy },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1200 },
});
