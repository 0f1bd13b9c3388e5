import { describe, expect, it } from "vitest";
import { FeedRejectedError, ServiceUnavailableError } from "../../../../layers/core/errors";
import {
  type FeedResponse,
  type FeedRunLog,
  type FeedRunSummary,
  type FeedState,
  recordedFeedRun,
  snapshotKey,
} from "../../../../layers/core/feeds/feed-source";

/** A run log in memory: what was started, finished and saved. */
function memoryRuns(state: FeedState | null = null) {
  const finished: FeedRunSummary[] = [];
  const log: FeedRunLog = {
    start: async () => finished.length + 1,
    finish: async (s) => {
      finished.push({ ...s });
    },
    state: async () => state,
    saveState: async () => {},
  };
  return { log, finished };
}

const ok = (body: string): FeedResponse => ({
  status: 200,
  body: Buffer.from(body),
  bytes: body.length,
  contentType: "application/json",
  validators: { etag: '"v1"', lastModified: null },
});

describe("recordedFeedRun", () => {
  it("sends the validators only when they belong to the same URL", async () => {
    const state: FeedState = {
      url: "http://feeds.test/kev.json",
      validators: { etag: '"v1"', lastModified: "Fri, 24 Jan 2025 15:00:00 GMT" },
      version: "2025.01.24",
      snapshotKey: "feeds/kev/dt=2025-01-24/kev-2025.01.24.json",
    };
    const seen: unknown[] = [];
    const source = {
      fetch: async (request: { validators?: unknown }) => {
        seen.push(request.validators);
        return { status: 304, bytes: 0 } as const;
      },
    };
    const { log, finished } = memoryRuns(state);
    const same = await recordedFeedRun({ runs: log, source }, "kev", { url: state.url }, async () => {});
    await recordedFeedRun(
      { runs: log, source },
      "kev",
      { url: "http://mirror.test/kev.json" },
      async () => {},
    );
    expect(seen).toEqual([state.validators, null]);
    expect(same).toMatchObject({ outcome: "not_modified", httpStatus: 304, version: "2025.01.24" });
    expect(finished).toHaveLength(2);
  });

  it("records a rejected publication as rejected, then throws the rejection", async () => {
    const { log, finished } = memoryRuns();
    const run = recordedFeedRun(
      { runs: log, source: { fetch: async () => ok("{") } },
      "kev",
      { url: "http://feeds.test/kev.json" },
      async () => {
        throw new FeedRejectedError("kev", "the publication is not valid JSON", "line 1, column 2");
      },
    );
    await expect(run).rejects.toBeInstanceOf(FeedRejectedError);
    expect(finished[0]).toMatchObject({
      outcome: "rejected",
      httpStatus: 200,
      bytes: 1,
      error: "kev feed rejected: the publication is not valid JSON (at line 1, column 2)",
    });
  });

  it("records any other failure as failed; an unexpected error becomes a retryable VigilError", async () => {
    const { log, finished } = memoryRuns();
    const down = recordedFeedRun(
      { runs: log, source: { fetch: async () => ok("{}") } },
      "urlhaus",
      { url: "http://feeds.test/csv" },
      async () => {
        throw new ServiceUnavailableError("postgres", "connection refused");
      },
    );
    await expect(down).rejects.toThrow("postgres: connection refused");
    const odd = recordedFeedRun(
      { runs: log, source: { fetch: async () => ok("{}") } },
      "urlhaus",
      { url: "http://feeds.test/csv" },
      async () => {
        throw new TypeError("boom");
      },
    );
    await expect(odd).rejects.toMatchObject({ reason: "feed_failed", retryable: true, message: "boom" });
    expect(finished.map((s) => s.outcome)).toEqual(["failed", "failed"]);
  });

  it("throws the run's own error when recording the run fails too", async () => {
    const { log } = memoryRuns();
    log.finish = async () => {
      throw new Error("ops.feed_runs unreachable");
    };
    const run = recordedFeedRun(
      { runs: log, source: { fetch: async () => ok("{}") } },
      "kev",
      { url: "http://feeds.test/kev.json" },
      async () => {
        throw new FeedRejectedError("kev", "count is 3 but 2 entries follow");
      },
    );
    await expect(run).rejects.toBeInstanceOf(FeedRejectedError);
  });
});

describe("snapshotKey", () => {
  it("partitions by the publication's own date and keeps the name safe", () => {
    expect(snapshotKey("kev", "2025-01-24T15:00:57.5282Z", "kev-2025.01.24.json")).toBe(
      "feeds/kev/dt=2025-01-24/kev-2025.01.24.json",
    );
    expect(snapshotKey("urlhaus", "2022-09-13T07:28:08Z", "urlhaus a/b.csv")).toBe(
      "feeds/urlhaus/dt=2022-09-13/urlhaus_a_b.csv",
    );
  });
});
