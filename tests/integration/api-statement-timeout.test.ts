import { setTimeout as delay } from "node:timers/promises";
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { list } from "../../functions/api/events";
import { neighbourhood } from "../../functions/api/graph";
import { neo4jNeighbourhood } from "../../layers/adapters/neo4j/neighbourhood";
import { closeContainer } from "../../layers/runtime/container";
import { neo4jDriver } from "../../layers/runtime/neo4j";
import { apiPostgres, postgres } from "../../layers/runtime/postgres";
import { httpGetEvent } from "../../localstack/http-event";
import { uniqueSuffix } from "./support/env";

/**
 * The query API's statements stop after API_STATEMENT_TIMEOUT_MS: a request whose statement waits on a
 * lock (a migration rewriting the table, a schema change on a graph label) is answered 503 once the time is
 * up, not left running after its function has timed out; the ingest functions' connections keep no limit.
 */
const TIMEOUT_MS = 1_000;
const before = process.env.API_STATEMENT_TIMEOUT_MS;
// Read by the container's settings on first use, which comes after this (this file's modules are its own).
process.env.API_STATEMENT_TIMEOUT_MS = String(TIMEOUT_MS);

const eventsPage = () =>
  list(httpGetEvent("/v1/events", { limit: "5" }), {
    awsRequestId: "statement-timeout-1",
  } as Context) as Promise<APIGatewayProxyStructuredResultV2>;

const graphOfIp = () =>
  neighbourhood(httpGetEvent("/v1/graph", { label: "IPAddress", key: "198.51.100.10", depth: "2" }), {
    awsRequestId: "statement-timeout-2",
  } as Context) as Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Runs `request` while another connection holds what it reads: a 503 naming the request, after the limit.
 * Without the limit it would wait as long as the holder holds: given up after ten times the limit (the
 * holder lets go afterwards, so it then finishes).
 */
async function expectStopped(request: () => Promise<APIGatewayProxyStructuredResultV2>, requestId: string) {
  const started = performance.now();
  const response = await Promise.race([request(), delay(TIMEOUT_MS * 10, "still waiting for the holder")]);
  const waited = performance.now() - started;
  expect(response).toMatchObject({ statusCode: 503 });
  expect(JSON.parse(String((response as APIGatewayProxyStructuredResultV2).body))).toEqual({
    error: "service_unavailable",
    request_id: requestId,
  });
  expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
}

const timeoutOf = async (pool: pg.Pool) =>
  (await pool.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]?.statement_timeout;

beforeAll(async () => {
  // The first request opens the API's connections and prepares its statement, outside the lock.
  expect((await eventsPage()).statusCode).toBe(200);
  // Neo4j just started plans and compiles a read's statements on first use, which can take longer than the
  // 1 s limit: the same read once without it, so the limit below measures waiting, not a cold server.
  await neo4jNeighbourhood(neo4jDriver(), { timeoutMs: 60_000 }).around("IPAddress", "198.51.100.10", 2, 100);
});

afterAll(async () => {
  if (before === undefined) delete process.env.API_STATEMENT_TIMEOUT_MS;
  else process.env.API_STATEMENT_TIMEOUT_MS = before;
  await closeContainer();
});

describe("the query API's statement timeout", () => {
  it("is set on both of the API's pools and on neither of the ingest functions'", async () => {
    const api = apiPostgres();
    expect(await timeoutOf(api.pool)).toBe("1s");
    expect(await timeoutOf(api.readPool)).toBe("1s");
    expect(await timeoutOf(postgres().pool)).toBe("0");
    expect(await timeoutOf(postgres().readPool)).toBe("0");
  });

  it("answers 503 when a statement waits past it, and serves again once the lock is gone", async () => {
    // The lock is held on the ingest functions' pool, which has no statement timeout.
    const holder = await postgres().pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("LOCK TABLE raw.threat_events IN ACCESS EXCLUSIVE MODE");
      await expectStopped(eventsPage, "statement-timeout-1");
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    const again = await eventsPage();
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(String(again.body))).toMatchObject({ data: expect.any(Array), meta: { limit: 5 } });
  });

  it("answers 503 when a graph read waits past it on a schema change, and serves again once it is gone", async () => {
    // Whether the IP is in the graph or not (404), the read answers at once when nothing holds its label.
    expect((await graphOfIp()).statusCode).toBeLessThan(500);
    // An index being created on the read's label, not yet committed: Neo4j holds reads of that label until
    // the change ends (with no timeout, for as long as it stays open).
    const holder = neo4jDriver().session();
    const change = holder.beginTransaction();
    const property = `lock_probe_${uniqueSuffix()}`;
    try {
      await change.run(`CREATE INDEX ${property} FOR (n:IPAddress) ON (n.${property})`);
      await expectStopped(graphOfIp, "statement-timeout-2");
    } finally {
      await change.rollback();
      await holder.close();
    }
    expect((await graphOfIp()).statusCode).toBeLessThan(500);
  });
});
