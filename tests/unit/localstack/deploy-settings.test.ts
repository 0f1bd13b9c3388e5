import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const resolveSettings = require("../../../localstack/settings.cjs") as () => Promise<Record<string, unknown>>;

// serverless.yml takes the deploy settings as lists (`provider.vpc`, the kafka event's accessConfigurations).
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

  it("defaults to placeholders shaped like real ids, so packaging for prod needs no account", async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith("DEPLOY_")) delete process.env[name];
    const settings = await resolveSettings();
    expect(settings.DEPLOY_AWS_ACCOUNT_ID).toMatch(/^\d{12}$/);
    expect(settings.DEPLOY_SUBNET_ID_LIST).toEqual(
      expect.arrayContaining([expect.stringMatching(/^subnet-[0-9a-f]{17}$/)]),
    );
    expect(settings.DEPLOY_SECURITY_GROUP_ID_LIST).toEqual([expect.stringMatching(/^sg-[0-9a-f]{17}$/)]);
  });
});
