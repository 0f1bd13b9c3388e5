import { setTimeout as delay } from "node:timers/promises";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { list } from "../../functions/api/events";
import { closeContainer } from "../../layers/runtime/container";
import { apiPostgres, postgres } from "../../layers/runtime/postgres";

/**
 * The query API's statements stop after API_STATEMENT_TIMEOUT_MS: a request whose statement waits on a
 * lock (a migration rewriting the table) is answered 503 once the time is up, not left running after its
 * function has timed out; the ingest functions' connections keep no limit.
 */
const TIMEOUT_MS = 1_000;
const before = process.env.API_STATEMENT_TIMEOUT_MS;
// Read by the container's settings on first use, which comes after this (this file's modules are its own).
process.env.API_STATEMENT_TIMEOUT_MS = String(TIMEOUT_MS);

const eventsPage = () =>
  list(
    {
      version: "2.0",
      routeKey: "GET /v1/events",
      rawPath: "/v1/events",
      rawQueryString: "limit=5",
      headers: {},
      queryStringParameters: { limit: "5" },
      isBase64Encoded: false,
      requestContext: { http: { method: "GET", path: "/v1/events" } },
    } as unknown as APIGatewayProxyEventV2,
    { awsRequestId: "statement-timeout-1" } as Context,
  ) as Promise<APIGatewayProxyStructuredResultV2>;

const timeoutOf = async (pool: pg.Pool) =>
  (await pool.query<{ statement_timeout: string }>("SHOW statement_timeout")).rows[0]?.statement_timeout;

beforeAll(async () => {
  // The first request opens the API's connections and prepares its statement, outside the lock.
  expect((await eventsPage()).statusCode).toBe(200);
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
      const started = performance.now();
      // Without the limit the statement would wait for the lock as long as it is held: given up after ten
      // times the limit (the lock released below lets it finish).
      const response = await Promise.race([
        eventsPage(),
        delay(TIMEOUT_MS * 10, "still waiting for the lock"),
      ]);
      const waited = performance.now() - started;
      expect(response).toMatchObject({ statusCode: 503 });
      expect(JSON.parse(String((response as APIGatewayProxyStructuredResultV2).body))).toEqual({
        error: "service_unavailable",
        request_id: "statement-timeout-1",
      });
      expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    const again = await eventsPage();
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(String(again.body))).toMatchObject({ data: expect.any(Array), meta: { limit: 5 } });
  });
});
