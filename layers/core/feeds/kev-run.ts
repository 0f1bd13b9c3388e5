import {
  type FeedRunLog,
  type FeedRunSummary,
  type FeedSource,
  type FeedValidators,
  recordedFeedRun,
  type SnapshotStore,
  snapshotKey,
} from "./feed-source";
import {
  diffKevCatalog,
  type KevDiff,
  type KevEntry,
  type KevRow,
  parseKevCatalog,
  toKevRow,
} from "./kev-catalog";

export const KEV_SOURCE = "kev";

/** One catalogue version, ready to be written in one transaction. */
export interface KevLoad {
  catalogVersion: string;
  dateReleased: string;
  count: number;
  previousVersion: string | null;
  rows: KevRow[];
  diff: KevDiff;
  snapshotKey: string;
  runId: number;
  feedState: { url: string; validators: FeedValidators };
}

/** Port: the KEV tables (`raw.kev_vulnerabilities`, `raw.kev_changes`, `raw.kev_catalogs`). */
export interface KevStore {
  /** The entries in the catalogue now (removed ones excluded), as last published. */
  current(): Promise<KevEntry[]>;
  /** The newest catalogue loaded, if any. */
  latest(): Promise<{ version: string; dateReleased: string } | null>;
  /** Writes rows, removals, the history, the catalogue row and the feed state atomically. */
  apply(load: KevLoad): Promise<void>;
}

/** Port: (Vulnerability)-[:AFFECTS]->(Product)-[:MADE_BY]->(Vendor). Idempotent. */
export interface KevGraph {
  mergeCatalog(rows: readonly KevRow[], removedCves: readonly string[]): Promise<void>;
}

export interface KevRunDeps {
  source: FeedSource;
  snapshots: SnapshotStore;
  runs: FeedRunLog;
  store: KevStore;
  graph: KevGraph;
  now?: () => number;
}

/**
 * One scheduled KEV fetch: conditional GET, validation against the published schema, an immutable bronze
 * snapshot per catalogVersion, the diff against what is stored, then the graph and Postgres. The graph
 * goes first: it is idempotent, and the Postgres transaction — which also marks the version loaded —
 * commits last, so a failure anywhere leaves the version unloaded and the next run does it all again.
 * Every run is recorded in `ops.feed_runs`, failures included; a failed run rethrows, so the invocation
 * fails visibly (and alarms), after the record is written.
 */
export function runKevFetch(deps: KevRunDeps, url: string): Promise<FeedRunSummary> {
  return recordedFeedRun(deps, KEV_SOURCE, { url }, async (response, summary, state) => {
    const catalog = parseKevCatalog(response.body);
    summary.version = catalog.catalogVersion;
    summary.records = catalog.vulnerabilities.length;
    const latest = await deps.store.latest();
    const feedState = { url, validators: response.validators };
    if (latest && Date.parse(catalog.dateReleased) <= Date.parse(latest.dateReleased)) {
      // The same version again, or an older one a stale mirror still serves: loading it would undo newer
      // changes. Remember the validators, so the next poll can be a cheap 304.
      Object.assign(summary, { outcome: "unchanged", added: 0, changed: 0, removed: 0 });
      summary.unchanged = catalog.vulnerabilities.length;
      summary.snapshotKey = state?.snapshotKey ?? null;
      if (latest.version !== catalog.catalogVersion) {
        summary.error = `catalogVersion ${catalog.catalogVersion} is older than the loaded ${latest.version}; ignored`;
      }
      await deps.runs.saveState(KEV_SOURCE, {
        ...feedState,
        version: latest.version,
        snapshotKey: state?.snapshotKey ?? null,
      });
      return;
    }

    // CISA can publish again under the version loaded last, with a later dateReleased: that snapshot's name
    // carries its release time, so the first one's bytes stay as they were and these are kept beside them.
    const again = latest?.version === catalog.catalogVersion;
    const released = new Date(catalog.dateReleased).toISOString().slice(11, 19).replace(/:/g, "");
    const name = again
      ? `kev-${catalog.catalogVersion}-${released}.json`
      : `kev-${catalog.catalogVersion}.json`;
    const key = snapshotKey(KEV_SOURCE, catalog.dateReleased, name);
    await deps.snapshots.putOnce(key, response.body, "application/json");
    summary.snapshotKey = key;

    const diff = diffKevCatalog(await deps.store.current(), catalog.vulnerabilities);
    const rows = catalog.vulnerabilities.map(toKevRow);
    const removed = diff.changes.flatMap((c) => (c.change === "removed" ? [c.cve_id] : []));
    await deps.graph.mergeCatalog(rows, removed);
    await deps.store.apply({
      catalogVersion: catalog.catalogVersion,
      dateReleased: catalog.dateReleased,
      count: catalog.count,
      previousVersion: latest?.version ?? null,
      rows,
      diff,
      snapshotKey: key,
      runId: summary.runId,
      feedState,
    });
    Object.assign(summary, {
      outcome: "loaded",
      added: diff.added,
      changed: diff.modified,
      removed: diff.removed,
      unchanged: diff.unchanged,
    });
  });
}
