import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const resolveSettings = require("../../../localstack/settings.cjs") as () => Promise<Record<string, unknown>>;

// serverless.yml takes the deploy settings as lists (`provider.vpc`, the kafka event's accessConfigurations) and
// numbers (the HTTP API stage's throttle).
describe("deploy settings as serverless.yml reads them", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("splits subnets, security groups and brokers into lists, dropping blanks and spaces", async () => {
    process.env.DEPLOY_SUBNET_IDS = " subnet-0aaa, ,subnet-0bbb ";
    process.env.DEPLOY_SECURITY_GROUP_IDS = "sg-0ccc";
    process.env.DEPLOY_KAFKA_BROKERS = "b-1.example:9096,b-2.example:9096";
    const settings = await resolveSettings();
    expect(settings.DEPLOY_SUBNET_ID_LIST).toEqual(["subnet-0aaa", "subnet-0bbb"]);
    expect(settings.DEPLOY_SECURITY_GROUP_ID_LIST).toEqual(["sg-0ccc"]);
    expect(settings.DEPLOY_KAFKA_BROKER_LIST).toEqual(["b-1.example:9096", "b-2.example:9096"]);
  });

  it("reads the API's throttle as numbers: a rate from 1 to 10000, a burst a whole number from 1 to 5000", async () => {
    process.env.DEPLOY_API_THROTTLE_RATE = " 12.5 ";
    process.env.DEPLOY_API_THROTTLE_BURST = "40";
    const settings = await resolveSettings();
    expect([settings.DEPLOY_API_THROTTLE_RATE, settings.DEPLOY_API_THROTTLE_BURST]).toEqual([12.5, 40]);
  });

  it("reads the Kafka triggers' batch size as a whole number", async () => {
    process.env.KAFKA_BATCH_SIZE = " 250 ";
    expect((await resolveSettings()).KAFKA_BATCH_SIZE).toBe(250);
  });

  it.each([
    ["KAFKA_BATCH_SIZE", "lots", 'KAFKA_BATCH_SIZE is "lots": expected a whole number from 1 to 10000'],
    ["KAFKA_BATCH_SIZE", "10001", 'KAFKA_BATCH_SIZE is "10001": expected a whole number from 1 to 10000'],
    ["KAFKA_BATCH_SIZE", "", 'KAFKA_BATCH_SIZE is "": expected a whole number from 1 to 10000'],
    [
      "DEPLOY_API_THROTTLE_RATE",
      "fast",
      'DEPLOY_API_THROTTLE_RATE is "fast": expected a number from 1 to 10000',
    ],
    ["DEPLOY_API_THROTTLE_RATE", "0", 'DEPLOY_API_THROTTLE_RATE is "0": expected a number from 1 to 10000'],
    ["DEPLOY_API_THROTTLE_RATE", "", 'DEPLOY_API_THROTTLE_RATE is "": expected a number from 1 to 10000'],
    [
      "DEPLOY_API_THROTTLE_BURST",
      "12.5",
      'DEPLOY_API_THROTTLE_BURST is "12.5": expected a whole number from 1 to 5000',
    ],
    [
      "DEPLOY_API_THROTTLE_BURST",
      "6000",
      'DEPLOY_API_THROTTLE_BURST is "6000": expected a whole number from 1 to 5000',
    ],
  ])("refuses %s=%j, naming the setting, its value and what it takes", async (name, value, message) => {
    process.env[name] = value;
    await expect(resolveSettings()).rejects.toThrow(message);
  });

  it("defaults to placeholders shaped like real ids, so packaging for prod needs no account", async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith("DEPLOY_")) delete process.env[name];
    const settings = await resolveSettings();
    expect(settings.DEPLOY_AWS_ACCOUNT_ID).toMatch(/^\d{12}$/);
    expect(settings.DEPLOY_SUBNET_ID_LIST).toEqual(
      expect.arrayContaining([expect.stringMatching(/^subnet-[0-9a-f]{17}$/)]),
    );
    expect(settings.DEPLOY_SECURITY_GROUP_ID_LIST).toEqual([expect.stringMatching(/^sg-[0-9a-f]{17}$/)]);
    expect([settings.DEPLOY_API_THROTTLE_RATE, settings.DEPLOY_API_THROTTLE_BURST]).toEqual([100, 200]);
  });
});
