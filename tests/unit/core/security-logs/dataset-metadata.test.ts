import { describe, expect, it } from "vitest";
import {
  mergeDatasetMetadata,
  parseDatasetMetadata,
  techniquesFromHeader,
} from "../../../../layers/core/security-logs/dataset-metadata";

// The shape of an OTRF Security-Datasets metadata file (abridged from SDWIN-190625133822.yaml / Log4Shell.yaml).
const OTRF = `title: Empire Reg Dump SAM Hive
id: SDWIN-190625133822
attack_mappings:
  - technique: T1003
    sub-technique: "002"
    tactics:
      - TA0006
  - technique: T1190
    sub-technique:
    tactics:
      - TA0001
notebooks:
`;

describe("parseDatasetMetadata", () => {
  it("reads OTRF attack_mappings into technique ids", () => {
    expect(parseDatasetMetadata(OTRF, "s3://b/x.yaml")).toEqual({
      techniques: ["T1003.002", "T1190"],
      utcOffsetMs: null,
      title: "Empire Reg Dump SAM Hive",
      sources: ["s3://b/x.yaml"],
    });
  });

  it("reads a plain list, a zone, and JSON", () => {
    expect(
      parseDatasetMetadata('{"attack_techniques": ["t1056.002"], "utc_offset": "-04:00"}', "x.meta.json"),
    ).toMatchObject({ techniques: ["T1056.002"], utcOffsetMs: 4 * 3_600_000 });
    expect(
      parseDatasetMetadata("attack_mappings:\n  - technique: T1003\n    sub-technique: 2\n", "x").techniques,
    ).toEqual(["T1003.002"]);
  });

  it("refuses what is not metadata, naming the field", () => {
    expect(() => parseDatasetMetadata("attack_techniques: [T99]", "x.yaml")).toThrow(
      /x\.yaml: attack_techniques\.0/,
    );
    expect(() => parseDatasetMetadata('utc_offset: "EDT"', "x.yaml")).toThrow(/UTC offset/);
    expect(() => parseDatasetMetadata("a: [", "x.yaml")).toThrow(/not YAML or JSON/);
  });
});

describe("S3 user metadata and merging", () => {
  it("reads attack-techniques", () => {
    expect(techniquesFromHeader("T1003.002, t1003.001 T1003.002")).toEqual(["T1003.001", "T1003.002"]);
    expect(() => techniquesFromHeader("T1003, mimikatz")).toThrow(/"MIMIKATZ" is not an ATT&CK technique id/);
  });

  it("unites techniques and keeps the first zone and title", () => {
    const a = parseDatasetMetadata("attack_techniques: [T1190]\nutc_offset: '+02:00'", "a");
    const b = parseDatasetMetadata("title: B\nattack_techniques: [T1203, T1190]\nutc_offset: '-04:00'", "b");
    expect(mergeDatasetMetadata([a, b])).toEqual({
      techniques: ["T1190", "T1203"],
      utcOffsetMs: -2 * 3_600_000,
      title: "B",
      sources: ["a", "b"],
    });
  });
});
