import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import { API_ROUTES } from "../../../layers/core/api/routes";
import { ServiceUnavailableError } from "../../../layers/core/errors";
import { apiHandler } from "../../../layers/runtime/http";
import { httpGetEvent } from "../../../localstack/http-event";
import { testEnv } from "../../integration/support/env";

// The HTTP edge's error mapping, through a real route's middy chain (validation, handler, onError). The chain
// reads the settings (.env.example's, as a fresh clone has them); nothing here opens a connection.
Object.assign(process.env, testEnv());

const failing = (error: unknown) =>
  apiHandler(API_ROUTES.listUrls, async () => {
    throw error;
  });

async function answer(error: unknown, context: Partial<Context>, query?: Record<string, string>) {
  const response = (await failing(error)(
    httpGetEvent("/v1/urls", query),
    context as Context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as Record<string, unknown> };
}

describe("API errors", () => {
  const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
  afterEach(() => logged.mockClear());

  it("answers a defect 500 with the request's id and nothing of the error, which goes to the log with that id", async () => {
    const defect = new Error("connect to 10.0.0.5 as vigil with password hunter2 failed");
    const { status, body } = await answer(defect, { awsRequestId: "req-0001" });
    expect(status).toBe(500);
    expect(body).toEqual({ error: "internal_error", request_id: "req-0001" });
    const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
    expect(line).toMatchObject({ level: "error", request_id: "req-0001", path: "/v1/urls" });
    expect(line.error.message).toContain("hunter2");
  });

  it("answers an unreachable service 503 with the request's id, without the service's message", async () => {
    const down = new ServiceUnavailableError("postgres", "listing URLs: connect ECONNREFUSED 127.0.0.1:5432");
    const { status, body } = await answer(down, { awsRequestId: "req-0002" });
    expect(status).toBe(503);
    expect(body).toEqual({ error: "service_unavailable", request_id: "req-0002" });
  });

  it("leaves the id out when the invocation has none", async () => {
    expect((await answer(new Error("boom"), {})).body).toEqual({ error: "internal_error" });
  });

  it("shows the caller's own mistakes as they are: the field and the reason, no id, nothing logged", async () => {
    const { status, body } = await answer(
      new Error("not reached"),
      { awsRequestId: "req-0003" },
      { limit: "0" },
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: "invalid_input", field: "limit" });
    expect(body).not.toHaveProperty("request_id");
    expect(logged).not.toHaveBeenCalled();
  });
});
