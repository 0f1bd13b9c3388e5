import { FeedRejectedError, VigilError } from "../errors";

/**
 * The ports and shapes shared by the feed runs (KEV, URLhaus): what a fetch returns, the validators kept
 * for conditional GETs, the run summary that `ops.feed_runs` records and the functions return, and the
 * recorded run that wraps each fetch.
 */

/** The validators of the last good response, sent back as If-None-Match / If-Modified-Since. */
export interface FeedValidators {
  etag: string | null;
  lastModified: string | null;
}

export type FeedResponse =
  | { status: 304; bytes: 0 }
  | {
      status: number;
      body: Buffer;
      bytes: number;
      contentType: string | null;
      validators: FeedValidators;
    };

export interface FeedRequest {
  url: string;
  headers?: Record<string, string>;
  validators?: FeedValidators | null;
}

/** Port: the HTTP side of a feed (timeouts, retries and status handling live in the adapter). */
export interface FeedSource {
  fetch(request: FeedRequest): Promise<FeedResponse>;
}

export type FeedOutcome = "loaded" | "unchanged" | "not_modified" | "rejected" | "failed";

/** What one run did; one row of `ops.feed_runs`. */
export interface FeedRunSummary {
  runId: number;
  source: string;
  url: string;
  outcome: FeedOutcome;
  httpStatus: number | null;
  bytes: number | null;
  records: number | null;
  added: number | null;
  changed: number | null;
  unchanged: number | null;
  removed: number | null;
  rejected: number | null;
  published: number | null;
  version: string | null;
  snapshotKey: string | null;
  error: string | null;
  durationMs: number;
}

/** The state kept per source between runs. */
export interface FeedState {
  url: string;
  validators: FeedValidators;
  version: string | null;
  snapshotKey: string | null;
}

/** Port: the run history (`ops.feed_runs`) and the per-source state (`ops.feed_state`). */
export interface FeedRunLog {
  start(source: string, url: string): Promise<number>;
  finish(summary: FeedRunSummary): Promise<void>;
  state(source: string): Promise<FeedState | null>;
  /** Records the validators of a response whose content was already loaded (an "unchanged" run). */
  saveState(source: string, state: FeedState): Promise<void>;
}

/** Port: immutable feed snapshots in bronze. `put` never replaces an existing object. */
export interface SnapshotStore {
  /** @returns false when the object was already there (same snapshot seen before). */
  putOnce(key: string, body: Buffer, contentType: string): Promise<boolean>;
}

/** An empty summary for a run, filled in as it goes. */
export function newRunSummary(runId: number, source: string, url: string): FeedRunSummary {
  return {
    runId,
    source,
    url,
    outcome: "failed",
    httpStatus: null,
    bytes: null,
    records: null,
    added: null,
    changed: null,
    unchanged: null,
    removed: null,
    rejected: null,
    published: null,
    version: null,
    snapshotKey: null,
    error: null,
    durationMs: 0,
  };
}

/** `feeds/<source>/dt=YYYY-MM-DD/<name>`: the day is the publication's own date, never the wall clock. */
export function snapshotKey(source: string, publishedAt: string, name: string): string {
  const day = new Date(publishedAt).toISOString().slice(0, 10);
  return `feeds/${source}/dt=${day}/${name.replace(/[^A-Za-z0-9._=-]/g, "_")}`;
}

export type FeedBody = Extract<FeedResponse, { body: Buffer }>;

/**
 * One recorded feed run: opens its `ops.feed_runs` row, makes the (conditional, when validators of the
 * same URL are known) request, hands a 200 to `load`, and closes the row with the outcome — a 304 is
 * "not_modified", a FeedRejectedError "rejected", any other error "failed". A failed run rethrows after it
 * is recorded, so the invocation fails visibly (and alarms); when recording fails too, the run's own
 * error is the one thrown.
 */
export async function recordedFeedRun(
  deps: { runs: FeedRunLog; source: FeedSource; now?: () => number },
  source: string,
  request: Omit<FeedRequest, "validators">,
  load: (response: FeedBody, summary: FeedRunSummary, state: FeedState | null) => Promise<void>,
): Promise<FeedRunSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const summary = newRunSummary(await deps.runs.start(source, request.url), source, request.url);
  let failure: unknown;
  try {
    const state = await deps.runs.state(source);
    const response = await deps.source.fetch({
      ...request,
      validators: state?.url === request.url ? state.validators : null,
    });
    summary.httpStatus = response.status;
    summary.bytes = response.bytes;
    if ("body" in response) {
      await load(response, summary, state);
    } else {
      summary.outcome = "not_modified";
      summary.version = state?.version ?? null;
    }
  } catch (error) {
    summary.outcome = error instanceof FeedRejectedError ? "rejected" : "failed";
    summary.error = (error as Error).message;
    failure =
      error instanceof VigilError
        ? error
        : new VigilError(summary.error, { reason: "feed_failed", retryable: true, cause: error });
  }
  summary.durationMs = now() - started;
  try {
    await deps.runs.finish(summary);
  } catch (error) {
    if (failure === undefined) throw error;
  }
  if (failure !== undefined) throw failure;
  return summary;
}
