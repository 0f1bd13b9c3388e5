import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FeedRoute {
  body: Buffer | string;
  contentType?: string;
  /** Send an ETag (the body's hash) and honour If-None-Match with 304. */
  etag?: boolean;
  /** Answer this status instead (a 404, a 500…); `failTimes` limits it to the first N requests. */
  status?: number;
  failTimes?: number;
  /** Required request headers (e.g. Auth-Key); a request without them gets 401. */
  requireHeaders?: Record<string, string>;
}

/**
 * A local HTTP server standing in for the feed hosts (no feed host is reachable from tests): recorded
 * feed files served byte for byte, with ETags, injected failures and a request log.
 */
export class FeedServer {
  readonly requests: { path: string; headers: Record<string, string | string[] | undefined> }[] = [];
  private readonly routes = new Map<string, FeedRoute>();
  private readonly failures = new Map<string, number>();
  private server: Server | undefined;

  serve(path: string, route: FeedRoute): void {
    this.routes.set(path, route);
    this.failures.set(path, 0);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      this.requests.push({ path, headers: req.headers });
      const route = this.routes.get(path);
      if (!route) {
        res.writeHead(404, { "content-type": "text/plain" }).end(`no feed at ${path}`);
        return;
      }
      for (const [name, value] of Object.entries(route.requireHeaders ?? {})) {
        if (req.headers[name.toLowerCase()] !== value) {
          res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized"}');
          return;
        }
      }
      if (route.status !== undefined) {
        const failed = this.failures.get(path) ?? 0;
        if (route.failTimes === undefined || failed < route.failTimes) {
          this.failures.set(path, failed + 1);
          res.writeHead(route.status, { "content-type": "text/plain" }).end(`injected HTTP ${route.status}`);
          return;
        }
      }
      const body = Buffer.from(route.body);
      const headers: Record<string, string> = {
        "content-type": route.contentType ?? "application/octet-stream",
      };
      if (route.etag) {
        const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 20)}"`;
        headers.etag = etag;
        if (req.headers["if-none-match"] === etag) {
          res.writeHead(304, headers).end();
          return;
        }
      }
      res.writeHead(200, { ...headers, "content-length": String(body.length) }).end(body);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  url(path: string): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error("FeedServer.start() first");
    const { port } = address;
    return `http://127.0.0.1:${port}${path}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
