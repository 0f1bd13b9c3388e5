import { describe, expect, it } from "vitest";
import { decodeKey, firesTrigger, readS3Triggers } from "../../../localstack/offline-s3/triggers.js";

const service = (events: Record<string, unknown>[]) => ({ functions: { ingest: { events } } });
const record = (key: string, eventName = "ObjectCreated:Put", bucket = "vigil-bronze") => ({
  eventName,
  s3: { bucket: { name: bucket }, object: { key } },
});

describe("reading s3 triggers from serverless.yml", () => {
  it("reads bucket, event and the prefix/suffix rules, with S3's defaults", () => {
    const triggers = readS3Triggers(
      service([
        {
          s3: {
            bucket: "vigil-bronze",
            event: "s3:ObjectCreated:*",
            rules: [{ prefix: "raw-logs/" }, { suffix: ".zip" }],
            existing: true,
          },
        },
        { s3: "other-bucket" },
        { httpApi: "GET /x" },
      ]),
    );
    expect(triggers).toEqual([
      {
        functionKey: "ingest",
        bucket: "vigil-bronze",
        event: "s3:ObjectCreated:*",
        prefix: "raw-logs/",
        suffix: ".zip",
      },
      { functionKey: "ingest", bucket: "other-bucket", event: "s3:ObjectCreated:*", prefix: "", suffix: "" },
    ]);
  });

  it("refuses a trigger it cannot read, naming where", () => {
    expect(() => readS3Triggers(service([{ s3: { event: "s3:ObjectCreated:*" } }]))).toThrow(
      /functions\.ingest\.events\[0\]\.s3: bucket is missing/,
    );
    expect(() => readS3Triggers(service([{ s3: { bucket: "b", rules: [{ glob: "*" }] } }]))).toThrow(
      /expected \{ prefix \}/,
    );
  });
});

describe("matching S3 event records", () => {
  const [trigger] = readS3Triggers(
    service([
      { s3: { bucket: "vigil-bronze", event: "s3:ObjectCreated:*", rules: [{ prefix: "raw-logs/" }] } },
    ]),
  );

  it("fires on objects created under the prefix of its bucket, on the decoded key", () => {
    if (!trigger) throw new Error("no trigger");
    expect(firesTrigger(trigger, record("raw-logs/a.zip"))).toBe(true);
    expect(firesTrigger(trigger, record("raw-logs/a+b.zip", "ObjectCreated:CompleteMultipartUpload"))).toBe(
      true,
    );
    expect(firesTrigger(trigger, record("raw%2Dlogs/a.zip"))).toBe(true);
    expect(firesTrigger(trigger, record("events/a.zip"))).toBe(false);
    expect(firesTrigger(trigger, record("raw-logs/a.zip", "ObjectRemoved:Delete"))).toBe(false);
    expect(firesTrigger(trigger, record("raw-logs/a.zip", "ObjectCreated:Put", "other"))).toBe(false);
  });

  it("an exact event type fires only on itself", () => {
    expect(
      firesTrigger(
        { functionKey: "f", bucket: "b", event: "s3:ObjectCreated:Put", prefix: "", suffix: "" },
        record("k", "ObjectCreated:Copy", "b"),
      ),
    ).toBe(false);
  });

  it("decodes keys the way S3 encodes them", () => {
    expect(decodeKey("raw-logs/my+file%2B1.json")).toBe("raw-logs/my file+1.json");
  });
});
