import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../../../layers/core/errors";
import {
  bareEtag,
  datasetKey,
  decodeS3Key,
  eventKey,
  logObjectKind,
  logObjectsOf,
  objectCreatedEvent,
  quarantineKey,
  sidecarKeys,
} from "../../../../layers/core/security-logs/log-object";

// The body LocalStack's S3 put on SQS for `raw-logs/a b+c.json` (recorded), less the request ids.
const NOTIFICATION = {
  Records: [
    {
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: "2026-11-25T15:03:13.709Z",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "raw-logs",
        bucket: { name: "vigil-bronze", arn: "arn:aws:s3:::vigil-bronze" },
        object: {
          key: "raw-logs/a%20b%2Bc.json",
          sequencer: "0055AED6DCD90281E5",
          eTag: "8a80554c91d9fca8acb82f023de02f11",
          size: 3,
        },
      },
    },
  ],
};

describe("object kinds and datasets", () => {
  it("reads the kind from the name", () => {
    expect(logObjectKind("raw-logs/x.json")).toBe("json");
    expect(logObjectKind("raw-logs/x.JSONL")).toBe("json");
    expect(logObjectKind("raw-logs/x.ndjson.gz")).toBe("gzip");
    expect(logObjectKind("raw-logs/x.zip")).toBe("zip");
    expect(logObjectKind("raw-logs/x.yaml")).toBe("metadata");
    expect(logObjectKind("raw-logs/x.meta.json")).toBe("metadata");
    expect(logObjectKind("raw-logs/x.log")).toBe("unsupported");
    expect(logObjectKind("raw-logs/x.gz")).toBe("unsupported");
  });

  it("pairs a log object with its sidecar through the dataset key", () => {
    expect(datasetKey("raw-logs/otrf/sam.zip")).toBe("raw-logs/otrf/sam");
    expect(datasetKey("raw-logs/otrf/sam.json.gz")).toBe("raw-logs/otrf/sam");
    expect(datasetKey("raw-logs/otrf/sam.meta.json")).toBe("raw-logs/otrf/sam");
    expect(datasetKey("raw-logs/otrf/sam.yml")).toBe("raw-logs/otrf/sam");
    expect(sidecarKeys("raw-logs/otrf/sam")).toEqual([
      "raw-logs/otrf/sam.yaml",
      "raw-logs/otrf/sam.yml",
      "raw-logs/otrf/sam.meta.json",
    ]);
  });
});

describe("keys", () => {
  const ref = { bucket: "b", key: "raw-logs/x.zip", etag: "e1", size: 1 };
  it("gives each line of each version its own stable key", () => {
    expect(eventKey(ref, "a.json", 1)).toBe(eventKey(ref, "a.json", 1));
    expect(eventKey(ref, "a.json", 1)).toMatch(/^[0-9a-f]{64}$/);
    const others = [
      eventKey(ref, "a.json", 2),
      eventKey(ref, "b.json", 1),
      eventKey({ ...ref, etag: "e2" }, "a.json", 1),
    ];
    expect(new Set([eventKey(ref, "a.json", 1), ...others]).size).toBe(4);
  });

  it("puts a chunk's rejects at a deterministic quarantine key", () => {
    expect(quarantineKey(ref, 1, 12)).toBe("quarantine/security-logs/b/raw-logs/x.zip/e1/lines-1-12.jsonl");
  });

  it("strips ETag quotes", () => {
    expect(bareEtag('"abc"')).toBe("abc");
    expect(bareEtag('W/"abc"')).toBe("abc");
  });
});

describe("S3 events", () => {
  it("decodes the key of a notification (a space may come as + or %20)", () => {
    expect(logObjectsOf(NOTIFICATION)).toEqual([
      {
        bucket: "vigil-bronze",
        key: "raw-logs/a b+c.json",
        etag: "8a80554c91d9fca8acb82f023de02f11",
        size: 3,
      },
    ]);
    expect(decodeS3Key("raw-logs/my+file%281%29.json")).toBe("raw-logs/my file(1).json");
  });

  it("ignores records that are not ObjectCreated", () => {
    const removed = structuredClone(NOTIFICATION);
    if (removed.Records[0]) removed.Records[0].eventName = "ObjectRemoved:Delete";
    expect(logObjectsOf(removed)).toEqual([]);
  });

  it("refuses what is not an S3 event, naming the field", () => {
    expect(() => logObjectsOf({ records: [] })).toThrow(InvalidInputError);
    expect(() => logObjectsOf({ Records: [{ eventSource: "aws:sqs" }] })).toThrow(
      /event\.Records\.0\.eventSource/,
    );
  });

  it("builds, for backfill, the event a notification carries: it reads back to the same object", () => {
    const event = objectCreatedEvent(
      [
        {
          bucket: "vigil-bronze",
          key: "raw-logs/a b+c.json",
          etag: '"e1"',
          size: 3,
          lastModified: new Date(0),
        },
      ],
      "us-east-1",
    );
    expect(logObjectsOf(event)).toEqual([
      { bucket: "vigil-bronze", key: "raw-logs/a b+c.json", etag: "e1", size: 3 },
    ]);
  });
});
