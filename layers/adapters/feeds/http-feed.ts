import { setTimeout as sleep } from "node:timers/promises";
import { ServiceUnavailableError, VigilError } from "../../core/errors";
import type { FeedRequest, FeedResponse, FeedSource } from "../../core/feeds/feed-source";

/** The server refused the request (4xx other than 304): retrying the same request cannot help. */
export class FeedHttpError extends VigilError {
  readonly httpStatus: number;

  constructor(url: string, httpStatus: number, detail: string) {
    super(`GET ${url} answered HTTP ${httpStatus}${detail ? `: ${detail}` : ""}`, {
      reason: "feed_http_error",
      retryable: false,
      status: 502,
    });
    this.httpStatus = httpStatus;
  }
}

export interface HttpFeedOptions {
  /** Per attempt, headers and body included. */
  timeoutMs: number;
  /** Attempts after the first, on network errors, timeouts, 429 and 5xx. */
  retries: number;
  /** First backoff; doubled per attempt, with jitter. */
  backoffMs: number;
  /** A body larger than this is refused (a feed that grew a hundredfold is a problem to look at). */
  maxBytes: number;
  onRetry?: (info: { url: string; attempt: number; delayMs: number; error: string }) => void;
}

const RETRYABLE_STATUS = (status: number) => status === 429 || status >= 500;

/** Reads a body up to `maxBytes`, so a runaway response cannot exhaust the function's memory. */
async function readCapped(response: Response, url: string, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    throw new FeedHttpError(url, response.status, `body of ${declared} bytes exceeds the ${maxBytes} limit`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw new FeedHttpError(url, response.status, `body exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * The feeds over HTTP(S) with the platform's fetch: a conditional GET when validators are known, a timeout
 * per attempt, retries with exponential backoff on what can pass (network errors, timeouts, 429, 5xx) and
 * a clear, non-retryable error on any other 4xx.
 */
export function httpFeedSource(options: HttpFeedOptions): FeedSource {
  return {
    async fetch(request: FeedRequest): Promise<FeedResponse> {
      const headers: Record<string, string> = {
        "user-agent": "vigil-feeds/1.0",
        ...request.headers,
      };
      if (request.validators?.etag) headers["if-none-match"] = request.validators.etag;
      if (request.validators?.lastModified) headers["if-modified-since"] = request.validators.lastModified;

      let lastError = "";
      for (let attempt = 0; attempt <= options.retries; attempt++) {
        if (attempt > 0) {
          const delayMs = Math.round(options.backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
          options.onRetry?.({ url: request.url, attempt, delayMs, error: lastError });
          await sleep(delayMs);
        }
        let response: Response;
        try {
          response = await fetch(request.url, {
            headers,
            redirect: "follow",
            signal: AbortSignal.timeout(options.timeoutMs),
          });
        } catch (error) {
          const e = error as Error & { cause?: { code?: string; message?: string } };
          lastError =
            e.name === "TimeoutError"
              ? `no complete answer within ${options.timeoutMs} ms`
              : (e.cause?.code ?? e.cause?.message ?? e.message);
          continue;
        }
        if (response.status === 304) {
          await response.body?.cancel();
          return { status: 304, bytes: 0 };
        }
        if (RETRYABLE_STATUS(response.status)) {
          lastError = `HTTP ${response.status} ${response.statusText}`.trim();
          await response.body?.cancel();
          continue;
        }
        if (!response.ok) {
          const text = (await response.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
          throw new FeedHttpError(request.url, response.status, text);
        }
        let body: Buffer;
        try {
          body = await readCapped(response, request.url, options.maxBytes);
        } catch (error) {
          if (error instanceof FeedHttpError) throw error;
          lastError = `the body was cut off: ${(error as Error).message}`;
          continue;
        }
        return {
          status: response.status,
          body,
          bytes: body.byteLength,
          contentType: response.headers.get("content-type"),
          validators: {
            etag: response.headers.get("etag"),
            lastModified: response.headers.get("last-modified"),
          },
        };
      }
      throw new ServiceUnavailableError(
        "feed",
        `GET ${request.url} failed after ${options.retries + 1} attempts: ${lastError}`,
      );
    },
  };
}
