import { describe, expect, it } from "vitest";
import { readKafkaTriggers } from "../../../localstack/offline-kafka/triggers.js";

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
