import { createHash } from "node:crypto";
import type { UrlhausEvent } from "../events/urlhaus-event";
import {
  type FeedRunLog,
  type FeedRunSummary,
  type FeedSource,
  type FeedValidators,
  recordedFeedRun,
  type SnapshotStore,
  snapshotKey,
} from "./feed-source";
import { parseUrlhausFeed, type UrlhausEntry, type UrlhausState, urlhausChanges } from "./urlhaus-feed";

export const URLHAUS_SOURCE = "urlhaus";
export const URLHAUS_EVENTS_TOPIC = "urlhaus.events";

/** One poll's result, written in one transaction. */
export interface UrlhausLoad {
  entries: readonly UrlhausEntry[];
  /** The new state of every URL that changed (its revision moved on). */
  next: readonly UrlhausState[];
  snapshotKey: string;
  observedAt: string;
  feedState: { url: string; validators: FeedValidators; version: string | null };
}

/** Port: `raw.urlhaus_urls` and the feed state. */
export interface UrlhausStore {
  states(ids: readonly string[]): Promise<Map<string, UrlhausState>>;
  apply(load: UrlhausLoad): Promise<void>;
}

/** Port: the `urlhaus.events` topic. Resolves once the broker acknowledged every message. */
export interface UrlhausEventPublisher {
  publish(events: readonly UrlhausEvent[]): Promise<void>;
}

export interface UrlhausRunDeps {
  source: FeedSource;
  snapshots: SnapshotStore;
  runs: FeedRunLog;
  store: UrlhausStore;
  publisher: UrlhausEventPublisher;
  now?: () => number;
  /** Rows of the feed that could not be read (line, reason), for the function's log. */
  onRejectedRows?: (rows: { line: number; reason: string }[]) => void;
}

/**
 * One URLhaus poll: conditional GET (the JSON API with its Auth-Key, or the CSV dump), an immutable
 * content-addressed bronze snapshot, then the changes against the stored state. Changes are published to
 * `urlhaus.events` before the state is stored: a crash in between republishes the very same event ids
 * (`urlhaus:<id>:r<revision>`), which every consumer upserts, while the reverse order could lose a change.
 * Polling the same feed again publishes nothing.
 */
export function runUrlhausFetch(
  deps: UrlhausRunDeps,
  url: string,
  headers: Record<string, string> = {},
): Promise<FeedRunSummary> {
  const now = deps.now ?? Date.now;
  return recordedFeedRun(deps, URLHAUS_SOURCE, { url, headers }, async (response, summary) => {
    const parsed = parseUrlhausFeed(response.body.toString("utf8"), response.contentType ?? undefined);
    const observedAt = new Date(now()).toISOString();
    summary.version = parsed.lastUpdated;
    summary.records = parsed.entries.length;
    summary.rejected = parsed.rejected.length;
    if (parsed.rejected.length > 0) deps.onRejectedRows?.(parsed.rejected);

    const digest = createHash("sha256").update(response.body).digest("hex").slice(0, 16);
    const extension = parsed.format === "csv" ? "csv" : "json";
    const key = snapshotKey(
      URLHAUS_SOURCE,
      parsed.lastUpdated ?? observedAt,
      `urlhaus-${digest}.${extension}`,
    );
    await deps.snapshots.putOnce(
      key,
      response.body,
      parsed.format === "csv" ? "text/csv" : "application/json",
    );
    summary.snapshotKey = key;

    const previous = await deps.store.states(parsed.entries.map((e) => e.id));
    const changes = urlhausChanges(previous, parsed.entries, observedAt);
    await deps.publisher.publish(changes.events);
    await deps.store.apply({
      entries: parsed.entries,
      next: changes.next,
      snapshotKey: key,
      observedAt,
      feedState: { url, validators: response.validators, version: parsed.lastUpdated },
    });
    Object.assign(summary, {
      outcome: changes.events.length > 0 ? "loaded" : "unchanged",
      added: changes.added,
      changed: changes.changed,
      unchanged: changes.unchanged,
      removed: 0,
      published: changes.events.length,
    });
  });
}
