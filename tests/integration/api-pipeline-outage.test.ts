import { createServer, type Socket } from "node:net";
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "../../functions/api/pipeline";
import { PIPELINE_SOURCE_DEADLINE_MS } from "../../layers/core/api/investigations";
import { closeContainer } from "../../layers/runtime/container";
import { httpGetEvent } from "../../localstack/http-event";

/**
 * The pipeline status when Kafka does not answer: a broker that takes the connection and then says
 * nothing (a hung broker, a firewall that drops replies). The route still answers with what Postgres
 * holds, naming Kafka unavailable, within its sources' deadline, long before the function's 29 s.
 */
const sockets = new Set<Socket>();
const silent = createServer((socket) => {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
});
const before = process.env.KAFKA_BROKERS;

beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  if (address === null || typeof address === "string") throw new Error("the silent broker has no port");
  // Read by the container's settings on first use, which comes after this (this file's modules are its own).
  process.env.KAFKA_BROKERS = `127.0.0.1:${address.port}`;
});

afterAll(async () => {
  if (before === undefined) delete process.env.KAFKA_BROKERS;
  else process.env.KAFKA_BROKERS = before;
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await closeContainer();
});

describe("the pipeline status with a silent Kafka", () => {
  it("answers with Postgres's part and names Kafka unavailable once its deadline has passed", async () => {
    const started = performance.now();
    const answer = (await status(httpGetEvent("/v1/pipeline", {}), {
      awsRequestId: "pipeline-outage-1",
    } as Context)) as APIGatewayProxyStructuredResultV2;
    const elapsed = performance.now() - started;
    expect(answer.statusCode).toBe(200);
    const body = JSON.parse(String(answer.body)) as {
      data: { tables: { table: string }[]; dead_letters: unknown[]; consumers: unknown[] };
      meta: { unavailable: string[] };
    };
    expect(body.meta.unavailable).toEqual(["kafka"]);
    expect(body.data.tables.map((t) => t.table)).toContain("raw.threat_events");
    expect([body.data.dead_letters, body.data.consumers]).toEqual([[], []]);
    // Kafka is given its deadline, not the client's retries (over a minute against a silent broker).
    expect(elapsed).toBeGreaterThanOrEqual(PIPELINE_SOURCE_DEADLINE_MS - 50);
    expect(elapsed).toBeLessThan(PIPELINE_SOURCE_DEADLINE_MS + 5_000);
    expect(sockets.size).toBeGreaterThan(0);
  }, 60_000);
});
