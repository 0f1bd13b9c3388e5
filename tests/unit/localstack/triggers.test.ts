import { describe, expect, it } from "vitest";
import { readKafkaTriggers, selectTriggers } from "../../../localstack/offline-kafka/triggers.js";

const context = { stage: "local", defaultBrokers: ["127.0.0.1:9092"] };
const service = (events: Record<string, unknown>[]) => ({
  service: "vigil",
  functions: { ingest: { events } },
});

describe("reading kafka triggers from serverless.yml", () => {
  it("applies Lambda's defaults", () => {
    const [trigger] = readKafkaTriggers(
      service([{ kafka: { topic: "threat.events", bootstrapServers: ["k:9092"] } }, { httpApi: "GET /x" }]),
      context,
    );
    expect(trigger).toEqual({
      functionKey: "ingest",
      kind: "kafka",
      topic: "threat.events",
      batchSize: 100,
      maximumBatchingWindowMs: 500,
      startingPosition: "TRIM_HORIZON",
      consumerGroupId: "vigil-local-ingest-threat.events",
      enabled: true,
      bootstrapServers: ["k:9092"],
    });
  });

  it("honours every setting given", () => {
    const [trigger] = readKafkaTriggers(
      service([
        {
          kafka: {
            topic: "t",
            bootstrapServers: ["k:9092"],
            batchSize: 10_000,
            maximumBatchingWindow: 2,
            startingPosition: "AT_TIMESTAMP",
            startingPositionTimestamp: 1_700_000_000,
            consumerGroupId: "g1",
            enabled: false,
          },
        },
      ]),
      context,
    );
    expect(trigger).toMatchObject({
      batchSize: 10_000,
      maximumBatchingWindowMs: 2000,
      startingPosition: "AT_TIMESTAMP",
      startingPositionTimestampMs: 1_700_000_000_000,
      consumerGroupId: "g1",
      enabled: false,
    });
  });

  it("consumes an msk event from the local brokers and keeps its ARN", () => {
    const [trigger] = readKafkaTriggers(service([{ msk: { topic: "t", arn: "arn:aws:kafka:x" } }]), context);
    expect(trigger).toMatchObject({
      kind: "msk",
      bootstrapServers: ["127.0.0.1:9092"],
      eventSourceArn: "arn:aws:kafka:x",
    });
  });

  it.each([
    [
      { topic: "t", batchSize: 10_001 },
      /functions\.ingest\.events\[0\]\.kafka: batchSize is 10001; expected a number from 1 to 10000/,
    ],
    [{ topic: "t", maximumBatchingWindow: 301 }, /maximumBatchingWindow is 301/],
    [
      { topic: "t", startingPosition: "EARLIEST" },
      /startingPosition is "EARLIEST"; expected one of LATEST, TRIM_HORIZON, AT_TIMESTAMP/,
    ],
    [{ topic: "t", startingPosition: "AT_TIMESTAMP" }, /needs startingPositionTimestamp/],
    [{ batchSize: 1 }, /topic is missing/],
  ])("rejects %j naming the field", (kafka, message) => {
    expect(() => readKafkaTriggers(service([{ kafka }]), context)).toThrow(message);
  });
});

describe("choosing which kafka triggers run", () => {
  const triggers = readKafkaTriggers(
    {
      service: "vigil",
      functions: {
        "ingest-events": {
          events: [{ kafka: { topic: "threat.events" } }, { kafka: { topic: "urlhaus.events" } }],
        },
        "graph-events": { events: [{ kafka: { topic: "threat.events" } }] },
        archive: { events: [{ kafka: { topic: "threat.events", enabled: false } }] },
      },
    },
    context,
  );
  const names = (list: { functionKey: string; topic: string }[]) =>
    list.map((t) => `${t.functionKey} ${t.topic}`);

  it("runs every enabled trigger when no function is named", () => {
    for (const only of [undefined, "", " , ", []]) {
      const { enabled, disabled } = selectTriggers(triggers, only);
      expect(names(enabled)).toEqual([
        "ingest-events threat.events",
        "ingest-events urlhaus.events",
        "graph-events threat.events",
      ]);
      expect(disabled.map((d) => d.why)).toEqual(["enabled: false"]);
    }
  });

  it("runs only the functions named, from a list or a comma-separated string", () => {
    for (const only of ["ingest-events", " ingest-events ,", ["ingest-events"]]) {
      const { enabled, disabled } = selectTriggers(triggers, only);
      expect(names(enabled)).toEqual(["ingest-events threat.events", "ingest-events urlhaus.events"]);
      expect(disabled.map((d) => `${d.trigger.functionKey}: ${d.why}`)).toEqual([
        "graph-events: not in custom.offlineKafka.functions",
        "archive: enabled: false",
      ]);
    }
  });

  it("refuses a name with no kafka trigger, listing the ones there are", () => {
    expect(() => selectTriggers(triggers, "ingest-events,graph")).toThrow(
      "custom.offlineKafka.functions: names graph, which has no kafka trigger; expected some of ingest-events, graph-events, archive",
    );
  });
});
