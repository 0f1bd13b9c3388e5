import { InvalidInputError } from "../errors";
import { storableText } from "../events/rules";
import {
  type DatasetMetadata,
  mergeDatasetMetadata,
  NO_METADATA,
  parseDatasetMetadata,
  techniquesFromHeader,
} from "./dataset-metadata";
import { DETECTION_RULES, type Detection, DetectionEngine, type DetectionRuleSet } from "./detection-rules";
import { type Line, splitLines } from "./lines";
import {
  datasetKey,
  eventKey,
  type LogObjectKind,
  type LogObjectRef,
  logObjectKind,
  logObjectsOf,
  ObjectSupersededError,
  quarantineKey,
  sidecarKeys,
} from "./log-object";
import { learnClockOffset, type NormalizeContext, normalizeLine, type RejectReason } from "./normalize";
import type { SecurityEvent, StoredSecurityEvent } from "./security-event";
import { LocalClock } from "./time";

/** One file of an object: the object itself, or one entry of a zip (its path inside). */
export interface LogMember {
  name: string;
  bytes: AsyncIterable<Uint8Array>;
}

/** Port: reading the object store (S3). */
export interface LogObjectSource {
  /** The version's size, last change and user metadata; null when `ref.etag` is no longer current. */
  head(
    ref: LogObjectRef,
  ): Promise<{ size: number; lastModified: Date; userMetadata: Record<string, string> } | null>;
  /**
   * The files of the version, decompressed, in archive order: one for `.json` / `.json.gz`, each file
   * entry of a `.zip`. Throws ObjectSupersededError when the version is replaced while being read, and
   * InvalidInputError when the bytes are not what the name says (a corrupt zip or gzip).
   */
  members(ref: LogObjectRef, kind: LogObjectKind): AsyncIterable<LogMember>;
  /** A small object's text (metadata), at most `maxBytes`; null when there is no such object. */
  readText(bucket: string, key: string, maxBytes: number): Promise<{ text: string; etag: string } | null>;
}

/** A line that could not become an event, with where it was and why. */
export interface RejectedLine {
  member: string;
  line_no: number;
  reason: RejectReason;
  detail: string;
  /** The line as read (its head when it was too long or not UTF-8). */
  text: string;
  bytes: number;
}

/** Port: the bronze quarantine, one object of JSON lines per chunk that had rejects. */
export interface QuarantineStore {
  putLines(key: string, lines: readonly Record<string, unknown>[]): Promise<void>;
}

export type LedgerStatus = "loading" | "detecting" | "loaded" | "refused" | "superseded" | "metadata";
export const FINAL_STATUSES: ReadonlySet<LedgerStatus> = new Set([
  "loaded",
  "refused",
  "superseded",
  "metadata",
]);

/** The ledger row of one object version. */
export interface LedgerState {
  status: LedgerStatus;
  linesDone: number;
  eventsLoaded: number;
  linesRejected: number;
  detections: number;
  techniques: string[];
  error: string | null;
}

export interface EventRow extends SecurityEvent {
  event_key: string;
  member: string;
  line_no: number;
  attack_techniques: string[];
}

/** A chunk of lines committed in one transaction together with the ledger's progress. */
export interface Chunk {
  events: EventRow[];
  rejects: RejectedLine[];
  /** Lines of the object (across members) read once this chunk commits. */
  linesDone: number;
  quarantineKey: string | null;
  /** The last chunk: the ledger moves on to `detecting`. */
  last: boolean;
}

export interface BeginLoad {
  kind: LogObjectKind;
  datasetKey: string;
  size: number | null;
  lastModified: Date | null;
  metadata: DatasetMetadata;
}

/** Host → address pairs of an object's events, for the graph. */
export interface HostAddress {
  host: string;
  ip: string;
  firstSeen: string;
  lastSeen: string;
}

/** Port: the ledger (`ops`), the events (`silver`) and the detections, in Postgres. */
export interface SecurityLogStore {
  state(ref: LogObjectRef): Promise<LedgerState | null>;
  /** Records the version (or, for one not final yet, counts another attempt) and returns where it stands. */
  begin(ref: LogObjectRef, load: BeginLoad): Promise<LedgerState>;
  /** Upserts events and rejects (ON CONFLICT DO NOTHING) and moves the ledger's progress, atomically. */
  commitChunk(ref: LogObjectRef, chunk: Chunk): Promise<{ inserted: number; rejected: number }>;
  /** The version's events, page by page, in line order. */
  scan(ref: LogObjectRef, pageSize: number): AsyncIterable<StoredSecurityEvent[]>;
  hostAddresses(ref: LogObjectRef): Promise<HostAddress[]>;
  /** Replaces the version's detections with `detections` (keyed, so a re-run rewrites the same rows). */
  saveDetections(ref: LogObjectRef, detections: readonly Detection[], rules: DetectionRuleSet): Promise<void>;
  /** The versions loaded under `prefix` of `bucket`, in key order, with their detection counts. */
  loadedVersions(bucket: string, prefix: string): Promise<{ ref: LogObjectRef; detections: number }[]>;
  /**
   * Replaces a loaded version's detections and its ledger count, if it is still loaded (not superseded by a
   * newer version meanwhile): false, and nothing written, if not.
   */
  replaceDetections(
    ref: LogObjectRef,
    detections: readonly Detection[],
    rules: DetectionRuleSet,
  ): Promise<boolean>;
  /**
   * Closes the version: `loaded` (older versions of the same key are superseded and their rows removed),
   * `refused`, or `superseded` (its own partial rows removed).
   */
  finish(
    ref: LogObjectRef,
    outcome: { status: LedgerStatus; error: string | null; detections: number },
  ): Promise<LedgerStatus>;
  /** A metadata sidecar arrived: its techniques join those of the dataset's loaded objects and events. */
  applyMetadata(ref: LogObjectRef, dataset: string, metadata: DatasetMetadata): Promise<number>;
}

/** What the detections of one object saw on a host: the rules that fired and the span of their evidence. */
export interface HostSighting {
  host: string;
  rules: string[];
  firstSeen: string;
  lastSeen: string;
}

/** A technique a host showed. */
export interface HostTechnique extends HostSighting {
  technique: string;
}

/** A CVE a rule that fired on a host names (an exploitation attempt, not proof the host is vulnerable). */
export interface HostVulnerability extends HostSighting {
  cve: string;
}

export interface HostObservations {
  techniques: HostTechnique[];
  vulnerabilities: HostVulnerability[];
  addresses: HostAddress[];
}

/**
 * Port: `(Host)-[:OBSERVED]->(Technique)`, `(Host)-[:OBSERVED]->(Vulnerability)` and
 * `(Host)-[:COMMUNICATED_WITH]->(IPAddress)` in Neo4j.
 */
export interface SecurityGraph {
  merge(observations: HostObservations): Promise<void>;
}

export interface IngestLogDeps {
  source: LogObjectSource;
  store: SecurityLogStore;
  quarantine: QuarantineStore;
  graph: SecurityGraph;
  rules?: DetectionRuleSet;
}

export interface IngestLogOptions {
  /** Lines per committed chunk. */
  chunkLines: number;
  /** A chunk is committed earlier once its lines reach this many bytes. */
  chunkBytes: number;
  maxLineBytes: number;
}

export const DEFAULT_INGEST_OPTIONS: IngestLogOptions = {
  chunkLines: 1000,
  chunkBytes: 8 * 1024 * 1024,
  maxLineBytes: 1024 * 1024,
};

export type LogObjectOutcome = "loaded" | "refused" | "superseded" | "metadata" | "duplicate";

export interface LogObjectSummary {
  bucket: string;
  key: string;
  etag: string;
  kind: LogObjectKind;
  outcome: LogObjectOutcome;
  /** Lines of the object read (blank ones included). */
  lines: number;
  /** Events this delivery added (0 for a duplicate delivery). */
  inserted: number;
  /** Events of the version in silver. */
  events: number;
  rejected: number;
  detections: number;
  techniques: string[];
  /** Where a resumed load picked up (lines already committed by an earlier attempt). */
  resumedFrom: number;
  reason: string | null;
  warnings: string[];
}

const MAX_METADATA_BYTES = 1024 * 1024;
// What the ops table keeps of a rejected line; the bronze quarantine copy has it whole, as it came.
const REJECT_TEXT_CHARS = 4096;

/**
 * The metadata of a log object: its sidecar(s), its S3 user metadata `attack-techniques`, and the object
 * its `dataset-metadata` names. A sidecar that cannot be read is a warning, never a reason to refuse logs.
 */
async function datasetMetadataOf(
  source: LogObjectSource,
  ref: LogObjectRef,
  userMetadata: Record<string, string>,
  warnings: string[],
): Promise<DatasetMetadata> {
  const parts: DatasetMetadata[] = [];
  const named = userMetadata["dataset-metadata"]?.trim();
  const keys = [...sidecarKeys(datasetKey(ref.key)), ...(named ? [named] : [])];
  for (const key of keys) {
    let found: Awaited<ReturnType<LogObjectSource["readText"]>>;
    try {
      found = await source.readText(ref.bucket, key, MAX_METADATA_BYTES);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      warnings.push(`metadata ignored: ${error.message}`);
      continue;
    }
    if (!found) {
      if (key === named)
        warnings.push(`x-amz-meta-dataset-metadata names s3://${ref.bucket}/${key}, which does not exist`);
      continue;
    }
    try {
      parts.push(parseDatasetMetadata(found.text, `s3://${ref.bucket}/${key}`));
    } catch (error) {
      warnings.push(`metadata ignored: ${(error as Error).message}`);
    }
  }
  const header = userMetadata["attack-techniques"];
  if (header) {
    try {
      parts.push({
        ...NO_METADATA,
        techniques: techniquesFromHeader(header),
        sources: ["x-amz-meta-attack-techniques"],
      });
    } catch (error) {
      warnings.push(`metadata ignored: ${(error as Error).message}`);
    }
  }
  return mergeDatasetMetadata(parts);
}

async function* textLines(members: AsyncIterable<LogMember>, maxLineBytes: number): AsyncGenerator<string> {
  for await (const member of members) {
    for await (const line of splitLines(member.bytes, maxLineBytes)) if ("text" in line) yield line.text;
  }
}

function rejectOf(member: string, line: Line, reason: RejectReason, detail: string): RejectedLine {
  if ("problem" in line) {
    return { member, line_no: line.lineNo, reason, detail, text: line.head, bytes: line.bytes };
  }
  return {
    member,
    line_no: line.lineNo,
    reason,
    detail,
    text: line.text,
    bytes: Buffer.byteLength(line.text),
  };
}

/**
 * Loads one object version from the `raw-logs/` drop zone into `silver.security_events`, exactly once:
 *
 * 1. the ledger (`ops.security_log_objects`, keyed by bucket, key and ETag) says whether this version was
 *    already handled — a repeated delivery then changes nothing;
 * 2. the object is streamed (gzip and zip decompressed on the fly), split into lines, each normalised or
 *    rejected with its reason; lines are committed in chunks, each chunk's events, rejects and the
 *    ledger's progress in one transaction, with keys derived from (bucket, key, ETag, file, line) — so a
 *    load that dies mid-file resumes after its last committed chunk and cannot duplicate a row;
 * 3. the detection rules run over the version's events in silver, then the graph is merged, and only then
 *    is the version marked loaded: a crash before that redoes steps that are all idempotent.
 */
export async function ingestLogObject(
  deps: IngestLogDeps,
  ref: LogObjectRef,
  options: IngestLogOptions = DEFAULT_INGEST_OPTIONS,
): Promise<LogObjectSummary> {
  const kind = logObjectKind(ref.key);
  const dataset = datasetKey(ref.key);
  const warnings: string[] = [];
  const summary: LogObjectSummary = {
    bucket: ref.bucket,
    key: ref.key,
    etag: ref.etag,
    kind,
    outcome: "duplicate",
    lines: 0,
    inserted: 0,
    events: 0,
    rejected: 0,
    detections: 0,
    techniques: [],
    resumedFrom: 0,
    reason: null,
    warnings,
  };
  const settle = (state: LedgerState, outcome: LogObjectOutcome): LogObjectSummary =>
    Object.assign(summary, {
      outcome,
      lines: state.linesDone,
      events: state.eventsLoaded,
      rejected: state.linesRejected,
      detections: state.detections,
      techniques: state.techniques,
      reason: state.error,
    });

  const known = await deps.store.state(ref);
  if (known && FINAL_STATUSES.has(known.status)) return settle(known, "duplicate");

  const head = await deps.source.head(ref);
  const begin = (metadata: DatasetMetadata) =>
    deps.store.begin(ref, {
      kind,
      datasetKey: dataset,
      size: head?.size ?? ref.size,
      lastModified: head?.lastModified ?? null,
      metadata,
    });
  const close = async (status: LedgerStatus, error: string | null, detections = 0) => {
    const final = await deps.store.finish(ref, { status, error, detections });
    const state = (await deps.store.state(ref)) ?? { ...EMPTY_STATE, status: final, error };
    return settle(
      state,
      final === "loaded" || final === "refused" || final === "metadata" ? final : "superseded",
    );
  };

  if (!head) {
    await begin(NO_METADATA);
    return close("superseded", `version ${ref.etag} is no longer the object's current version`);
  }

  if (kind === "metadata") {
    const found = await deps.source.readText(ref.bucket, ref.key, MAX_METADATA_BYTES);
    if (!found) {
      await begin(NO_METADATA);
      return close("superseded", "the metadata object is gone");
    }
    let metadata: DatasetMetadata;
    try {
      metadata = parseDatasetMetadata(found.text, `s3://${ref.bucket}/${ref.key}`);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      await begin(NO_METADATA);
      return close("refused", error.message);
    }
    await begin(metadata);
    await deps.store.applyMetadata(ref, dataset, metadata);
    return close("metadata", null);
  }

  if (kind === "unsupported") {
    await begin(NO_METADATA);
    return close(
      "refused",
      `unsupported object type "${ref.key.split("/").pop()}": expected .json, .jsonl, .ndjson (one event per line), .json.gz or .zip — or a .yaml, .yml or .meta.json metadata sidecar`,
    );
  }

  const metadata = await datasetMetadataOf(deps.source, ref, head.userMetadata, warnings);
  let state = await begin(metadata);
  summary.resumedFrom = state.linesDone;

  if (state.status === "loading") {
    try {
      const loaded = await streamLines(deps, ref, kind, metadata, state.linesDone, options);
      summary.inserted = loaded.inserted;
      state = (await deps.store.state(ref)) ?? state;
      if (state.eventsLoaded === 0 && state.linesRejected > 0) {
        const first = loaded.firstReject ?? "see ops.security_log_rejects";
        return close("refused", `no line is an event (${state.linesRejected} rejected); first: ${first}`);
      }
    } catch (error) {
      if (error instanceof ObjectSupersededError) return close("superseded", error.message);
      if (error instanceof InvalidInputError) return close("refused", error.message);
      throw error;
    }
  }

  const detections = await detect(deps, ref);
  return close("loaded", null, detections);
}

const EMPTY_STATE: LedgerState = {
  status: "loading",
  linesDone: 0,
  eventsLoaded: 0,
  linesRejected: 0,
  detections: 0,
  techniques: [],
  error: null,
};

/** Streams the version's lines into chunks; returns what this run read (skipped lines excluded). */
async function streamLines(
  deps: IngestLogDeps,
  ref: LogObjectRef,
  kind: LogObjectKind,
  metadata: DatasetMetadata,
  alreadyDone: number,
  options: IngestLogOptions,
): Promise<{ events: number; rejects: number; inserted: number; firstReject: string | null }> {
  const ctx: NormalizeContext = {
    clock: new LocalClock(),
    metadataOffsetMs: metadata.utcOffsetMs,
    zoneUnknownAsUtc: false,
  };
  let ordinal = 0;
  let events: EventRow[] = [];
  let rejects: RejectedLine[] = [];
  let chunkBytes = 0;
  let chunkLines = 0;
  let chunkFirst = alreadyDone + 1;
  const totals = { events: 0, rejects: 0, inserted: 0, firstReject: null as string | null };

  const commit = async (last: boolean) => {
    if (!last && chunkLines === 0) return;
    const qKey = rejects.length > 0 ? quarantineKey(ref, chunkFirst, ordinal) : null;
    if (qKey) {
      // Before the commit: a crash in between re-runs this chunk, which overwrites the same object.
      await deps.quarantine.putLines(
        qKey,
        rejects.map((r) => ({
          bucket: ref.bucket,
          key: ref.key,
          etag: ref.etag,
          file: r.member || ref.key,
          member: r.member,
          line: r.line_no,
          reason: r.reason,
          detail: r.detail,
          bytes: r.bytes,
          text: r.text,
        })),
      );
    }
    const written = await deps.store.commitChunk(ref, {
      events,
      rejects: rejects.map((r) => ({
        ...r,
        // A NUL character (valid UTF-8, so a line can hold one) would fail the chunk: shown as U+FFFD.
        text: storableText(r.text.slice(0, REJECT_TEXT_CHARS)),
        detail: storableText(r.detail),
      })),
      linesDone: Math.max(ordinal, alreadyDone),
      quarantineKey: qKey,
      last,
    });
    totals.inserted += written.inserted;
    events = [];
    rejects = [];
    chunkBytes = 0;
    chunkLines = 0;
    chunkFirst = ordinal + 1;
  };

  const members = deps.source.members(ref, kind);
  for await (const member of members) {
    for await (const line of splitLines(member.bytes, options.maxLineBytes)) {
      ordinal += 1;
      const skip = ordinal <= alreadyDone;
      let reject: RejectedLine | null = null;
      if ("problem" in line) {
        const detail =
          line.problem === "line_too_long"
            ? `line of ${line.bytes} bytes exceeds the ${options.maxLineBytes}-byte limit`
            : "not valid UTF-8";
        reject = rejectOf(member.name, line, line.problem, detail);
      } else if (line.text.trim() !== "") {
        // Skipped lines are normalised too: the file's clock is learned in line order, and a resumed
        // load must see the same clock as the first attempt did.
        let result = normalizeLine(line.text, ctx);
        if (result.kind === "needs-clock") {
          const offset = await learnClockOffset(
            textLines(deps.source.members(ref, kind), options.maxLineBytes),
          );
          if (offset !== undefined) ctx.clock.seed(offset);
          ctx.zoneUnknownAsUtc = true;
          result = normalizeLine(line.text, ctx);
        }
        if (result.kind === "rejected") reject = rejectOf(member.name, line, result.reason, result.detail);
        else if (result.kind === "event" && !skip) {
          events.push({
            ...result.event,
            event_key: eventKey(ref, member.name, line.lineNo),
            member: member.name,
            line_no: line.lineNo,
            attack_techniques: metadata.techniques,
          });
          totals.events += 1;
          chunkBytes += Buffer.byteLength(line.text);
        }
      }
      if (skip) continue;
      if (reject) {
        rejects.push(reject);
        totals.rejects += 1;
        totals.firstReject ??= `${reject.member || ref.key} line ${reject.line_no}: ${reject.reason} (${reject.detail})`;
        chunkBytes += reject.text.length;
      }
      chunkLines += 1;
      if (chunkLines >= options.chunkLines || chunkBytes >= options.chunkBytes) await commit(false);
    }
  }
  await commit(true);
  return totals;
}

/** Runs the rules over the version's events in silver, saves the detections and merges the graph. */
async function detect(deps: IngestLogDeps, ref: LogObjectRef): Promise<number> {
  const rules = deps.rules ?? DETECTION_RULES;
  const detections = await evaluate(deps, ref, rules);
  await deps.store.saveDetections(ref, detections, rules);
  await mergeGraph(deps, ref, detections);
  return detections.length;
}

/** The rules' detections over the version's events in silver, read page by page. */
async function evaluate(
  deps: IngestLogDeps,
  ref: LogObjectRef,
  rules: DetectionRuleSet,
): Promise<Detection[]> {
  const engine = new DetectionEngine(rules);
  for await (const page of deps.store.scan(ref, 1000)) for (const event of page) engine.observe(event);
  return engine.detections();
}

/** What the detections saw on each host, and the hosts' addresses, into the graph. */
async function mergeGraph(
  deps: IngestLogDeps,
  ref: LogObjectRef,
  detections: readonly Detection[],
): Promise<void> {
  const techniques = hostSightings(detections, (d) => d.rule.technique).map(({ target, ...s }) => ({
    ...s,
    technique: target,
  }));
  const vulnerabilities = hostSightings(detections, (d) => d.rule.cve).map(({ target, ...s }) => ({
    ...s,
    cve: target,
  }));
  const addresses = (await deps.store.hostAddresses(ref)).filter((a) => isGraphAddress(a.ip));
  await deps.graph.merge({ techniques, vulnerabilities, addresses });
}

/** What running the rules again over one loaded version did. */
export interface Redetection {
  key: string;
  etag: string;
  /** `redetected`, or `superseded` when a newer version replaced it meanwhile (nothing written). */
  outcome: "redetected" | "superseded";
  before: number;
  detections: number;
}

/**
 * Runs the current rules again over every version loaded under `prefix` (a rule added or changed after an
 * object loaded applies to it only so: a delivery of a loaded version is a duplicate): each version's
 * detections are replaced, its ledger count set, and the graph merged (edges only ever widen, so what an
 * earlier rule set merged stays). One version at a time, each reported to `progress` as it is done.
 */
export async function redetect(
  deps: IngestLogDeps,
  bucket: string,
  prefix: string,
  progress: (done: Redetection, index: number, total: number) => void = () => {},
): Promise<Redetection[]> {
  const rules = deps.rules ?? DETECTION_RULES;
  const versions = await deps.store.loadedVersions(bucket, prefix);
  const done: Redetection[] = [];
  for (const [index, { ref, detections: before }] of versions.entries()) {
    const detections = await evaluate(deps, ref, rules);
    const kept = await deps.store.replaceDetections(ref, detections, rules);
    if (kept) await mergeGraph(deps, ref, detections);
    const result: Redetection = {
      key: ref.key,
      etag: ref.etag,
      outcome: kept ? "redetected" : "superseded",
      before,
      detections: kept ? detections.length : 0,
    };
    done.push(result);
    progress(result, index, versions.length);
  }
  return done;
}

/**
 * The detections grouped by host and what `target` says they point at (a technique, a CVE; none skips the
 * detection, as does one with no host): the rules that fired and the widest span of their evidence.
 */
export function hostSightings(
  detections: readonly Detection[],
  target: (d: Detection) => string | null | undefined,
): Array<HostSighting & { target: string }> {
  const sightings = new Map<string, HostSighting & { target: string }>();
  for (const d of detections) {
    const to = target(d);
    if (!d.host || !to) continue;
    const id = `${d.host}\n${to}`;
    const s = sightings.get(id);
    if (!s) {
      sightings.set(id, {
        host: d.host,
        target: to,
        rules: [d.rule.id],
        firstSeen: d.firstEventAt,
        lastSeen: d.lastEventAt,
      });
      continue;
    }
    if (!s.rules.includes(d.rule.id)) s.rules.push(d.rule.id);
    if (d.firstEventAt < s.firstSeen) s.firstSeen = d.firstEventAt;
    if (d.lastEventAt > s.lastSeen) s.lastSeen = d.lastEventAt;
  }
  return [...sightings.values()];
}

/**
 * Addresses worth a node: not unspecified (`0.0.0.0`, `::`, what a bind event reports) and not loopback,
 * which every host has and which would join unrelated hosts through one node.
 */
export function isGraphAddress(ip: string): boolean {
  return !(ip === "0.0.0.0" || ip === "::" || ip === "::1" || ip.startsWith("127."));
}

/**
 * The S3-triggered entry: every object version an `ObjectCreated` event names, one after the other.
 * A failure of a service throws (the delivery is retried); a file that can never load is refused and
 * recorded, and the invocation succeeds.
 */
export async function ingestS3Event(
  deps: IngestLogDeps,
  event: unknown,
  options: IngestLogOptions = DEFAULT_INGEST_OPTIONS,
): Promise<LogObjectSummary[]> {
  const summaries: LogObjectSummary[] = [];
  for (const ref of logObjectsOf(event)) summaries.push(await ingestLogObject(deps, ref, options));
  return summaries;
}
