import { describe, expect, it } from "vitest";
import {
  ipAddress,
  type LineResult,
  learnClockOffset,
  type NormalizeContext,
  normalizeLine,
} from "../../../../layers/core/security-logs/normalize";
import type { SecurityEvent } from "../../../../layers/core/security-logs/security-event";
import { LocalClock } from "../../../../layers/core/security-logs/time";

const HOUR = 3_600_000;
const ctx = (over: Partial<NormalizeContext> = {}): NormalizeContext => ({
  clock: new LocalClock(),
  metadataOffsetMs: null,
  zoneUnknownAsUtc: false,
  ...over,
});

const event = (line: object | string, c: NormalizeContext = ctx()): SecurityEvent => {
  const result = normalizeLine(typeof line === "string" ? line : JSON.stringify(line), c);
  if (result.kind !== "event") throw new Error(`expected an event, got ${JSON.stringify(result)}`);
  return result.event;
};
const rejected = (line: string, c: NormalizeContext = ctx()) => {
  const result: LineResult = normalizeLine(line, c);
  if (result.kind !== "rejected") throw new Error(`expected a reject, got ${JSON.stringify(result)}`);
  return result;
};

// Shaped like the OTRF exports (abridged): nxlog via Logstash (@timestamp + local EventTime) …
const NXLOG_4624 = {
  "@timestamp": "2020-09-22T08:28:23.382Z",
  EventTime: "2020-09-22 04:28:20",
  EventReceivedTime: "2020-09-22 04:28:23",
  host: "wec.internal.cloudapp.net",
  Hostname: "MORDORDC.theshire.local",
  Channel: "security",
  SourceName: "Microsoft-Windows-Security-Auditing",
  EventID: 4624,
  TargetUserName: "pgustavo",
  TargetDomainName: "THESHIRE",
  SubjectUserName: "-",
  IpAddress: "::1",
  IpPort: "0",
  LogonType: 3,
};
// … evtx exports (TimeCreated: local, zone-less, a 12-hour clock) …
const EVTX_SYSMON_1 = {
  TimeCreated: "2020-10-18 10:56:14.285",
  UtcTime: "2020-10-19 02:56:14.283",
  Hostname: "WORKSTATION5",
  Channel: "Microsoft-Windows-Sysmon/Operational",
  SourceName: "Microsoft-Windows-Sysmon",
  EventID: 1,
  Image: "C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",
  CommandLine: "Outflank-Dumpert.exe",
  ParentImage: "C:\\Windows\\System32\\cmd.exe",
  ParentCommandLine: '"C:\\windows\\system32\\cmd.exe" ',
  User: "WORKSTATION5\\wardog",
  ProcessGuid: "{39e4a257-2fee-5f8d-7d02-000000000600}",
};
const EVTX_4688 = {
  TimeCreated: "2020-10-18 10:56:14.283",
  Hostname: "WORKSTATION5",
  Channel: "Security",
  SourceName: "Microsoft-Windows-Security-Auditing",
  EventID: 4688,
  NewProcessName: "C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",
  CommandLine: "Outflank-Dumpert.exe",
  ParentProcessName: "C:\\Windows\\System32\\cmd.exe",
  SubjectUserName: "wardog",
  SubjectDomainName: "WORKSTATION5",
};
// … and Microsoft Sentinel (TimeGenerated in UTC, Computer, EventData as XML).
const SENTINEL_5156 = {
  TenantId: "redacted",
  TimeGenerated: "2022-05-13T08:54:05.21Z",
  Computer: "WORKSTATION5",
  EventSourceName: "Microsoft-Windows-Security-Auditing",
  Channel: "Security",
  EventID: 5156,
  EventData:
    '<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\r\n  <Data Name="ProcessID">3936</Data>\r\n  <Data Name="SourceAddress">192.168.3.5</Data>\r\n  <Data Name="SourcePort">50452</Data>\r\n  <Data Name="DestAddress">192.168.2.5</Data>\r\n  <Data Name="DestPort">8080</Data>\r\n</EventData>',
};

describe("the nxlog layout (@timestamp + EventTime)", () => {
  it("takes the local EventTime with the zone that @timestamp − EventReceivedTime shows", () => {
    const e = event(NXLOG_4624);
    expect(e).toMatchObject({
      layout: "nxlog",
      event_time: "2020-09-22T08:28:20.000000Z",
      time_source: "EventTime+offset(@timestamp-EventReceivedTime)",
      host: "mordordc.theshire.local",
      channel: "security",
      provider: "Microsoft-Windows-Security-Auditing",
      event_id: 4624,
      user_name: "THESHIRE\\pgustavo",
      source_ip: "::1",
      source_port: 0,
    });
    // The shipper's host, the times and what no column took stay as they came.
    expect(e.extra).toMatchObject({ host: "wec.internal.cloudapp.net", LogonType: 3, SubjectUserName: "-" });
    expect(e.extra).not.toHaveProperty("Hostname");
  });

  it("falls back to @timestamp when EventReceivedTime is missing", () => {
    const { EventReceivedTime: _, ...line } = NXLOG_4624;
    expect(event(line)).toMatchObject({
      event_time: "2020-09-22T08:28:23.382000Z",
      time_source: "@timestamp",
    });
  });
});

describe("the evtx layout (TimeCreated without a zone)", () => {
  it("prefers Sysmon's UtcTime and learns the file's clock from it", () => {
    const c = ctx();
    expect(event(EVTX_SYSMON_1, c)).toMatchObject({
      layout: "evtx",
      event_time: "2020-10-19T02:56:14.283000Z",
      time_source: "UtcTime",
      host: "workstation5",
      channel: "microsoft-windows-sysmon/operational",
      process_image: "C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",
      command_line: "Outflank-Dumpert.exe",
      parent_image: "C:\\Windows\\System32\\cmd.exe",
      parent_command_line: '"C:\\windows\\system32\\cmd.exe"',
      user_name: "WORKSTATION5\\wardog",
    });
    expect(c.clock.offsetMs).toBe(16 * HOUR);
    // A Security event of the same file has only the 12-hour local clock: the learned offset puts it in UTC.
    expect(event(EVTX_4688, c)).toMatchObject({
      event_time: "2020-10-19T02:56:14.283000Z",
      time_source: "TimeCreated+offset(UtcTime)",
      process_image: "C:\\Users\\wardog\\Desktop\\Outflank-Dumpert.exe",
      parent_image: "C:\\Windows\\System32\\cmd.exe",
      user_name: "WORKSTATION5\\wardog",
    });
  });

  it("asks for the clock when nothing is known yet, then uses metadata, then reads it as UTC and says so", () => {
    expect(normalizeLine(JSON.stringify(EVTX_4688), ctx())).toEqual({ kind: "needs-clock" });
    expect(event(EVTX_4688, ctx({ metadataOffsetMs: 4 * HOUR }))).toMatchObject({
      event_time: "2020-10-18T14:56:14.283000Z",
      time_source: "TimeCreated+offset(metadata)",
    });
    expect(event(EVTX_4688, ctx({ zoneUnknownAsUtc: true }))).toMatchObject({
      event_time: "2020-10-18T10:56:14.283000Z",
      time_source: "TimeCreated(zone unknown, read as UTC)",
    });
  });

  it("takes a TimeCreated that carries a zone as it is", () => {
    expect(event({ ...EVTX_4688, TimeCreated: "2020-10-18T22:56:14.283-04:00" })).toMatchObject({
      event_time: "2020-10-19T02:56:14.283000Z",
      time_source: "TimeCreated",
    });
  });

  it("learnClockOffset finds the first line with both clocks", async () => {
    async function* lines() {
      yield "not json";
      yield JSON.stringify(EVTX_4688);
      yield JSON.stringify(EVTX_SYSMON_1);
    }
    expect(await learnClockOffset(lines())).toBe(16 * HOUR);
    expect(await learnClockOffset(lines(), 2)).toBeUndefined();
  });
});

describe("the Sentinel layout (TimeGenerated, Computer, EventData XML)", () => {
  it("reads the XML payload into the columns and extra, and drops the XML string", () => {
    const e = event(SENTINEL_5156);
    expect(e).toMatchObject({
      layout: "sentinel",
      event_time: "2022-05-13T08:54:05.210000Z",
      time_source: "TimeGenerated",
      host: "workstation5",
      provider: "Microsoft-Windows-Security-Auditing",
      event_id: 5156,
      source_ip: "192.168.3.5",
      source_port: 50452,
      destination_ip: "192.168.2.5",
      destination_port: 8080,
    });
    expect(e.extra).toEqual({
      TenantId: "redacted",
      ProcessID: "3936",
      TimeGenerated: "2022-05-13T08:54:05.21Z",
    });
  });

  it("lets the flattened top-level fields win over the XML", () => {
    expect(event({ ...SENTINEL_5156, SourceAddress: "10.0.0.9" }).source_ip).toBe("10.0.0.9");
  });

  it("refuses XML that is not an EventData list", () => {
    expect(
      rejected(JSON.stringify({ ...SENTINEL_5156, EventData: "<EventData><Data Name='A'>1</EventData>" })),
    ).toMatchObject({
      reason: "bad_event_data",
    });
  });
});

describe("IP addresses", () => {
  const base = { TimeGenerated: "2022-05-13T08:54:05Z", EventID: 1 };
  it("takes the first field that holds one: SourceIp, then SourceAddress, then IpAddress", () => {
    expect(
      event({ ...base, IpAddress: "10.0.0.3", SourceAddress: "10.0.0.2", SourceIp: "10.0.0.1" }).source_ip,
    ).toBe("10.0.0.1");
    expect(event({ ...base, IpAddress: "10.0.0.3", SourceAddress: "10.0.0.2" }).source_ip).toBe("10.0.0.2");
    expect(event({ ...base, IpAddress: "10.0.0.3" }).source_ip).toBe("10.0.0.3");
    expect(event({ ...base, DestAddress: "10.0.0.5", DestinationIp: "10.0.0.4" }).destination_ip).toBe(
      "10.0.0.4",
    );
  });

  it("skips '-' and non-addresses to the next field, keeping them in extra", () => {
    const e = event({ ...base, SourceIp: "-", SourceAddress: "LOCAL", IpAddress: "fe80::1%12" });
    expect(e.source_ip).toBe("fe80::1");
    expect(e.extra).toMatchObject({ SourceIp: "-", SourceAddress: "LOCAL" });
  });

  it("ipAddress unwraps IPv4-mapped IPv6", () => {
    expect(ipAddress("::ffff:192.168.2.5")).toBe("192.168.2.5");
    expect(ipAddress("2001:db8::1")).toBe("2001:db8::1");
    expect(ipAddress("999.1.1.1")).toBeNull();
    expect(ipAddress(42)).toBeNull();
  });
});

describe("users and event ids", () => {
  const base = { TimeGenerated: "2022-05-13T08:54:05Z" };
  it("names the account that logged on for logon events, the subject otherwise", () => {
    const line = {
      ...base,
      TargetUserName: "bob",
      TargetDomainName: "CORP",
      SubjectUserName: "SYSTEM",
      SubjectDomainName: "NT AUTHORITY",
    };
    expect(event({ ...line, EventID: 4624 }).user_name).toBe("CORP\\bob");
    expect(event({ ...line, EventID: 4663 }).user_name).toBe("NT AUTHORITY\\SYSTEM");
    expect(event({ ...base, AccountName: "SYSTEM", Domain: "NT AUTHORITY" }).user_name).toBe(
      "NT AUTHORITY\\SYSTEM",
    );
  });

  it("reads an EventID given as text, and keeps an impossible one in extra", () => {
    expect(event({ ...base, EventID: "4688" }).event_id).toBe(4688);
    const e = event({ ...base, EventID: "4688a" });
    expect(e.event_id).toBeNull();
    expect(e.extra.EventID).toBe("4688a");
  });
});

describe("lines that are not events", () => {
  it("names raw auditd text", () => {
    expect(
      rejected("type=SYSCALL msg=audit(1604994496.155:92733): arch=c000003e syscall=59 success=yes exit=0"),
    ).toMatchObject({
      reason: "raw_text",
      detail: expect.stringMatching(/^Linux auditd text \("type=SYSCALL msg=audit/),
    });
  });

  it("says why the rest fail", () => {
    expect(rejected('{"EventID": 4624,')).toMatchObject({ reason: "not_json" });
    expect(rejected("[1, 2]")).toMatchObject({
      reason: "not_an_object",
      detail: expect.stringMatching(/^a JSON array/),
    });
    expect(rejected("42")).toMatchObject({ reason: "not_an_object" });
    expect(rejected('{"EventID": 4624, "Hostname": "H"}')).toMatchObject({ reason: "no_event_time" });
    expect(rejected('{"TimeCreated": "last tuesday"}')).toMatchObject({
      reason: "bad_event_time",
      detail: expect.stringMatching(/^TimeCreated is "last tuesday"/),
    });
  });

  it("refuses text Postgres cannot store, in a field or in the EventData XML, naming the field", () => {
    expect(
      rejected(JSON.stringify({ "@timestamp": "2020-09-22T08:28:20Z", CommandLine: "cmd\u0000x" })),
    ).toMatchObject({
      reason: "bad_text",
      detail: 'CommandLine: a NUL character, which Postgres cannot store (got "cmd\\u0000x")',
    });
    const xml = "<EventData><Data Name='Application'>a&#0;b</Data></EventData>";
    expect(rejected(JSON.stringify({ ...SENTINEL_5156, EventData: xml }))).toMatchObject({
      reason: "bad_text",
      detail: expect.stringMatching(/^Application: a NUL character/),
    });
    expect(rejected(JSON.stringify({ TimeGenerated: "2022-05-13T08:54:05Z", User: "\udc00" }))).toMatchObject(
      {
        reason: "bad_text",
        detail: expect.stringMatching(/^User: half of a UTF-16 surrogate pair/),
      },
    );
  });

  it("reads years before 100 as written, and refuses a time before year 1 in UTC", () => {
    expect(event({ "@timestamp": "0001-01-01T00:00:00Z" }).event_time).toBe("0001-01-01T00:00:00.000000Z");
    expect(event({ TimeGenerated: "0099-12-31T23:59:59Z" }).event_time).toBe("0099-12-31T23:59:59.000000Z");
    expect(rejected('{"TimeGenerated": "0000-06-01T00:00:00Z"}')).toMatchObject({ reason: "bad_event_time" });
    expect(rejected('{"TimeGenerated": "0001-01-01T00:00:00+01:00"}')).toMatchObject({
      reason: "bad_event_time",
      detail: "TimeGenerated is before 0001-01-01T00:00:00Z in UTC, which Postgres cannot hold",
    });
  });

  it("never fails on an unknown field: it lands in extra", () => {
    const e = event({ TimeGenerated: "2022-05-13T08:54:05Z", BrandNewField: { nested: [1, 2] } });
    expect(e.extra.BrandNewField).toEqual({ nested: [1, 2] });
  });
});
