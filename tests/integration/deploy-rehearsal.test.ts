import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from "@aws-sdk/client-cloudformation";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketMetricsConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  type LifecycleRule,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketMetricsConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutPublicAccessBlockCommand,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetTopicAttributesCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3 } from "../../layers/adapters/s3/client";
import { readSettings } from "../../layers/runtime/config";
import { type CloudFormationTemplate, packageService } from "../../localstack/serverless-package";
import { listSetting, testEnv, uniqueSuffix, waitFor } from "./support/env";

// A deploy rehearsal: the template `serverless package --stage dev` builds for AWS, created as a stack in
// LocalStack's CloudFormation, then checked resource by resource through each service's own API — the
// bucket's settings, the secrets, every role's policies, the queue, the topic and the alarms.
//
// LocalStack without Docker cannot run a Lambda function: it accepts the function, which then fails to start
// its container, and the stack's function resource fails. So the functions and what only exists around them
// (versions, triggers, permissions, log groups) are left out, and so is the HTTP API (API Gateway v2 is not in
// LocalStack's community edition); whatever references a left-out resource is left out with it.
const LEFT_OUT = [
  /^AWS::Lambda::/,
  /^AWS::Logs::LogGroup$/,
  /^AWS::Events::Rule$/,
  /^AWS::ApiGatewayV2::/,
  /^Custom::/,
];

/** The logical ids a template value refers to: Ref, Fn::GetAtt, and ${Name} / ${Name.Attr} in Fn::Sub. */
function referencesOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesOf(item, into);
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "Ref" && typeof inner === "string") into.add(inner);
      else if (key === "Fn::GetAtt")
        into.add(String(Array.isArray(inner) ? inner[0] : inner).split(".")[0] ?? "");
      else if (key === "Fn::Sub") {
        const [text, vars] = Array.isArray(inner) ? inner : [inner, undefined];
        for (const m of String(text).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g))
          into.add(m[1] ?? "");
        referencesOf(vars, into);
      } else referencesOf(inner, into);
    }
  }
  return into;
}

/** The template without what LocalStack cannot run, and the logical ids left out. */
function rehearsalTemplate(template: CloudFormationTemplate): {
  template: CloudFormationTemplate;
  leftOut: Set<string>;
} {
  const resources = template.Resources;
  const leftOut = new Set(
    Object.keys(resources).filter((id) => LEFT_OUT.some((type) => type.test(resources[id]?.Type ?? ""))),
  );
  const dependsOn = (id: string) => {
    const r = resources[id];
    const explicit = r?.DependsOn === undefined ? [] : [r.DependsOn].flat();
    return [...referencesOf(r), ...explicit];
  };
  for (let grew = true; grew; ) {
    grew = false;
    for (const id of Object.keys(resources)) {
      if (!leftOut.has(id) && dependsOn(id).some((ref) => leftOut.has(ref))) {
        leftOut.add(id);
        grew = true;
      }
    }
  }
  return {
    template: {
      ...template,
      Resources: Object.fromEntries(Object.entries(resources).filter(([id]) => !leftOut.has(id))),
      Outputs: Object.fromEntries(
        Object.entries(template.Outputs ?? {}).filter(
          ([, o]) => ![...referencesOf(o)].some((r) => leftOut.has(r)),
        ),
      ),
    },
    leftOut,
  };
}

/** The IAM policy document as a JSON value (IAM returns it URL-encoded). */
const policyDocument = (text: string | undefined) =>
  JSON.parse(decodeURIComponent(text ?? "{}")) as {
    Statement: {
      Effect: string;
      Action: string | string[];
      Resource: string | string[];
      Principal?: unknown;
    }[];
  };

/** The bucket properties of resources/bronze.yml, in CloudFormation's shapes. */
interface BucketProperties {
  BucketEncryption: {
    ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: { SSEAlgorithm: string } }[];
  };
  PublicAccessBlockConfiguration: Record<string, boolean>;
  OwnershipControls: { Rules: { ObjectOwnership: string }[] };
  LifecycleConfiguration: {
    Rules: {
      Id: string;
      Status: string;
      Transitions?: { StorageClass: string; TransitionInDays: number }[];
      NoncurrentVersionExpiration?: { NoncurrentDays: number };
      AbortIncompleteMultipartUpload?: { DaysAfterInitiation: number };
      ExpiredObjectDeleteMarker?: boolean;
    }[];
  };
  MetricsConfigurations: { Id: string; Prefix: string }[];
}

/**
 * LocalStack 4.14's CloudFormation creates a bucket with its name, versioning, CORS, object lock, tags,
 * website and notifications only (services/s3/resource_providers/aws_s3_bucket.py) and drops the rest. What
 * it drops is applied here from the template's own values through the S3 API — as CloudFormation does in
 * AWS — so S3 validates exactly what the template declares, and the checks read back what S3 then holds.
 */
async function applyWhatLocalStackSkips(Bucket: string, p: BucketProperties): Promise<void> {
  const encryption: ServerSideEncryptionRule[] = p.BucketEncryption.ServerSideEncryptionConfiguration.map(
    (r) => ({
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: r.ServerSideEncryptionByDefault.SSEAlgorithm as "AES256",
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: encryption } }),
  );
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket,
      PublicAccessBlockConfiguration: p.PublicAccessBlockConfiguration,
    }),
  );
  await s3.send(
    new PutBucketOwnershipControlsCommand({
      Bucket,
      OwnershipControls: {
        Rules: p.OwnershipControls.Rules.map((r) => ({
          ObjectOwnership: r.ObjectOwnership as "BucketOwnerEnforced",
        })),
      },
    }),
  );
  const rules: LifecycleRule[] = p.LifecycleConfiguration.Rules.map((r) => ({
    ID: r.Id,
    Status: r.Status as "Enabled",
    Filter: { Prefix: "" },
    Transitions: r.Transitions?.map((t) => ({
      StorageClass: t.StorageClass as "STANDARD_IA",
      Days: t.TransitionInDays,
    })),
    NoncurrentVersionExpiration: r.NoncurrentVersionExpiration,
    AbortIncompleteMultipartUpload: r.AbortIncompleteMultipartUpload,
    Expiration: r.ExpiredObjectDeleteMarker ? { ExpiredObjectDeleteMarker: true } : undefined,
  }));
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: rules } }),
  );
  for (const m of p.MetricsConfigurations) {
    await s3.send(
      new PutBucketMetricsConfigurationCommand({
        Bucket,
        Id: m.Id,
        MetricsConfiguration: { Id: m.Id, Filter: { Prefix: m.Prefix } },
      }),
    );
  }
}

const settings = readSettings(testEnv());
const endpoint = settings.AWS_ENDPOINT_URL ?? "";
const aws = { region: settings.AWS_REGION, endpoint };
const cfn = new CloudFormationClient(aws);
const s3 = createS3(settings.AWS_REGION, endpoint);
const secrets = new SecretsManagerClient(aws);
const iam = new IAMClient(aws);
const sqs = new SQSClient(aws);
const sns = new SNSClient(aws);
const cloudwatch = new CloudWatchClient(aws);

const stackName = `vigil-rehearsal-${uniqueSuffix()}`;
let work = "";
let packaged: CloudFormationTemplate;
let rehearsed: CloudFormationTemplate;
let leftOut: Set<string>;
const physical = new Map<string, StackResourceSummary>();
const id = (logicalId: string): string => {
  const resource = physical.get(logicalId);
  if (!resource?.PhysicalResourceId) throw new Error(`${stackName} has no ${logicalId}`);
  return resource.PhysicalResourceId;
};

/** LocalStack answers only for the services it was started with (LOCALSTACK_SERVICES). */
async function requireServices(names: string[]): Promise<void> {
  const health = (await (await fetch(`${endpoint}/_localstack/health`)).json()) as {
    services?: Record<string, string>;
  };
  const missing = names.filter((n) => !["available", "running"].includes(health.services?.[n] ?? ""));
  if (missing.length > 0) {
    throw new Error(
      `LocalStack at ${endpoint} runs without ${missing.join(", ")}: it was started before they joined LOCALSTACK_SERVICES (localstack/services/localstack.sh). Restart it (the other services keep running): bash localstack/stack.sh down localstack && make up`,
    );
  }
}

async function stackStatus(): Promise<string | undefined> {
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.StackStatus;
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return "DELETE_COMPLETE";
    throw error;
  }
}

async function failureReasons(): Promise<string> {
  const { StackEvents = [] } = await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }));
  return StackEvents.filter((e) => e.ResourceStatus?.endsWith("FAILED"))
    .map((e) => `${e.LogicalResourceId} (${e.ResourceType}): ${e.ResourceStatusReason}`)
    .join("\n");
}

/** Waits until the stack is no longer in progress; fails with each resource's reason unless it became `expected`. */
async function settles(what: string, expected: string): Promise<void> {
  const status = await waitFor(
    `${stackName} to be ${what}`,
    async () => {
      const s = await stackStatus();
      return s?.endsWith("_IN_PROGRESS") ? undefined : s;
    },
    300_000,
  );
  if (status !== expected) throw new Error(`${stackName}: ${status}\n${await failureReasons()}`);
}

// The API's throttle the template is packaged with: not the defaults, so that the stage's route settings can
// only have come from these settings (a rate may be a fraction; the burst is a whole number).
const THROTTLE = { DEPLOY_API_THROTTLE_RATE: "37.5", DEPLOY_API_THROTTLE_BURST: "75" };

beforeAll(async () => {
  await requireServices(["cloudformation", "s3", "secretsmanager", "iam", "sqs", "sns", "cloudwatch", "sts"]);
  work = await mkdtemp(join(tmpdir(), "vigil-rehearsal-"));
  packaged = (await packageService("dev", work, { ...process.env, ...THROTTLE })).template;
  ({ template: rehearsed, leftOut } = rehearsalTemplate(packaged));
  await cfn.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify(rehearsed),
      Capabilities: ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    }),
  );
  await settles("created", "CREATE_COMPLETE");
  let token: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken: token }));
    for (const r of page.StackResourceSummaries ?? [])
      if (r.LogicalResourceId) physical.set(r.LogicalResourceId, r);
    token = page.NextToken;
  } while (token);
}, 900_000);

afterAll(async () => {
  try {
    if ((await stackStatus()) !== "DELETE_COMPLETE") {
      await cfn.send(new DeleteStackCommand({ StackName: stackName }));
      await settles("deleted", "DELETE_COMPLETE");
    }
  } finally {
    if (work) await rm(work, { recursive: true, force: true });
    for (const client of [cfn, s3, secrets, iam, sqs, sns, cloudwatch]) client.destroy();
  }
}, 600_000);

const ofType = (template: CloudFormationTemplate, type: string) =>
  Object.keys(template.Resources).filter((logicalId) => template.Resources[logicalId]?.Type === type);

describe("deploy rehearsal on LocalStack: the stack `serverless package --stage dev` builds", () => {
  it("leaves out only the functions, what exists around them and the HTTP API", () => {
    for (const logicalId of leftOut) {
      const type = packaged.Resources[logicalId]?.Type ?? "";
      const reason =
        LEFT_OUT.some((t) => t.test(type)) ||
        [...referencesOf(packaged.Resources[logicalId])].some((r) => leftOut.has(r));
      expect(reason, `${logicalId} (${type}) left out`).toBe(true);
    }
    expect(ofType(rehearsed, "AWS::Lambda::Function")).toEqual([]);
    expect(Object.keys(rehearsed.Resources)).toEqual(
      expect.arrayContaining([
        "BronzeBucket",
        "BronzeBucketPolicy",
        "ApiKeysSecret",
        "UrlhausAuthKeySecret",
        "KafkaSaslSecret",
        "IngestEventsRole",
        "GraphEventsRole",
        "FetchKevRole",
        "FetchUrlhausRole",
        "HealthRole",
        "FailedInvocationsQueue",
        "AlarmTopic",
        "IngestEventsErrorsAlarm",
        "IngestEventsOffsetLagAlarm",
        "KafkaDeadLettersAlarm",
        "FailedInvocationsAlarm",
      ]),
    );
  });

  it("lets browsers on the page's origins (DEPLOY_WEB_ORIGINS) call the HTTP API, sending the key header", () => {
    // The HTTP API itself is left out of the rehearsal (see LEFT_OUT): its CORS rules are read off the
    // template, as CloudFormation would get them.
    const [api] = ofType(packaged, "AWS::ApiGatewayV2::Api");
    const origins = listSetting("DEPLOY_WEB_ORIGINS");
    expect(origins[0]).toMatch(/^https:\/\//);
    expect(packaged.Resources[api ?? ""]?.Properties?.CorsConfiguration).toEqual({
      AllowOrigins: origins,
      AllowHeaders: ["Content-Type", "X-Api-Key"],
      AllowMethods: ["GET", "OPTIONS"],
      MaxAge: 3600,
    });
  });

  it("throttles every route of the HTTP API to DEPLOY_API_THROTTLE_RATE a second, DEPLOY_API_THROTTLE_BURST at once", () => {
    const [stage, ...others] = ofType(packaged, "AWS::ApiGatewayV2::Stage");
    expect(others).toEqual([]);
    expect(packaged.Resources[stage ?? ""]?.Properties?.DefaultRouteSettings).toEqual({
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 37.5,
      ThrottlingBurstLimit: 75,
    });
  });

  it("creates every resource it keeps (each one CREATE_COMPLETE, not only the stack)", () => {
    expect([...physical.keys()].sort()).toEqual(Object.keys(rehearsed.Resources).sort());
    const notCreated = [...physical.values()].filter((r) => r.ResourceStatus !== "CREATE_COMPLETE");
    expect(
      notCreated.map((r) => `${r.LogicalResourceId}: ${r.ResourceStatus} ${r.ResourceStatusReason ?? ""}`),
    ).toEqual([]);
  });

  it("makes the bronze bucket versioned, encrypted, private, TLS-only and tiered down with age", async () => {
    const Bucket = id("BronzeBucket");
    expect(Bucket).toMatch(new RegExp(`^${stackName}-bronze-\\d{12}$`));
    await applyWhatLocalStackSkips(
      Bucket,
      rehearsed.Resources.BronzeBucket?.Properties as unknown as BucketProperties,
    );
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe("Enabled");
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
        ?.SSEAlgorithm,
    ).toBe("AES256");
    expect(
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration,
    ).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const { Rules = [] } = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    const tiering = Rules.find((r) => r.ID === "tier-down-bronze");
    expect(tiering?.Status).toBe("Enabled");
    expect(tiering?.Transitions?.map((t) => [t.StorageClass, t.Days])).toEqual([
      ["STANDARD_IA", 30],
      ["GLACIER_IR", 180],
    ]);
    expect(tiering?.NoncurrentVersionExpiration?.NoncurrentDays).toBe(30);
    expect(tiering?.AbortIncompleteMultipartUpload?.DaysAfterInitiation).toBe(7);
    expect(
      Rules.find((r) => r.ID === "drop-expired-delete-markers")?.Expiration?.ExpiredObjectDeleteMarker,
    ).toBe(true);
    expect(
      (await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls?.Rules,
    ).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
    const metrics = await s3.send(new GetBucketMetricsConfigurationCommand({ Bucket, Id: "quarantine" }));
    expect(metrics.MetricsConfiguration?.Filter).toEqual({ Prefix: "quarantine/" });
    const policy = policyDocument((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy);
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it("generates the API key and the Kafka login, and leaves the URLhaus key for its owner to put", async () => {
    const secret = async (logicalId: string, name: string) => {
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: id(logicalId) }));
      expect(described.Name).toBe(`${stackName}/${name}`);
      return id(logicalId);
    };
    const apiKeys = JSON.parse(
      (await secrets.send(new GetSecretValueCommand({ SecretId: await secret("ApiKeysSecret", "api-keys") })))
        .SecretString ?? "",
    ) as { keys: string[]; key: string };
    expect(apiKeys.keys).toEqual([]);
    expect(apiKeys.key).toMatch(/^[A-Za-z0-9]{40}$/);

    const kafka = JSON.parse(
      (
        await secrets.send(
          new GetSecretValueCommand({ SecretId: await secret("KafkaSaslSecret", "kafka-sasl") }),
        )
      ).SecretString ?? "",
    ) as { username: string; password: string };
    expect(kafka.username).toBe(testEnv().DEPLOY_KAFKA_USERNAME);
    expect(kafka.password).toMatch(/^[A-Za-z0-9]{32}$/);

    const urlhaus = await secret("UrlhausAuthKeySecret", "urlhaus-auth-key");
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: urlhaus }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it("gives every role exactly the statements of its template, trusted by Lambda alone", async () => {
    const roles = ofType(rehearsed, "AWS::IAM::Role");
    expect(roles.length).toBeGreaterThanOrEqual(5);
    for (const logicalId of roles) {
      const RoleName = id(logicalId);
      const { Role } = await iam.send(new GetRoleCommand({ RoleName }));
      // One statement: Lambda may assume the role (serverless writes action and service as lists).
      const trust = policyDocument(Role?.AssumeRolePolicyDocument).Statement.map((t) => [
        t.Effect,
        [t.Action].flat(),
        [(t.Principal as { Service?: string | string[] } | undefined)?.Service].flat(),
      ]);
      expect(trust, logicalId).toEqual([["Allow", ["sts:AssumeRole"], ["lambda.amazonaws.com"]]]);
      const declared = (rehearsed.Resources[logicalId]?.Properties?.Policies ?? []) as {
        PolicyDocument: { Statement: { Action: string | string[] }[] };
      }[];
      const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName }));
      expect(PolicyNames.length, logicalId).toBe(declared.length);
      const actions = async (PolicyName: string) =>
        policyDocument(
          (await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument,
        ).Statement.map((s) => [s.Action].flat().sort());
      expect((await Promise.all(PolicyNames.map(actions))).flat(), logicalId).toEqual(
        declared.flatMap((p) => p.PolicyDocument.Statement.map((s) => [s.Action].flat().sort())),
      );
    }
  });

  it("scopes ingest-events to its own log group, bronze prefixes and the Kafka trigger's secret", async () => {
    const RoleName = id("IngestEventsRole");
    const bucket = id("BronzeBucket");
    const account = bucket.slice(-12);
    const [PolicyName] = (await iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
    const { Statement } = policyDocument(
      (await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument,
    );
    expect(Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `arn:aws:logs:${settings.AWS_REGION}:${account}:log-group:/aws/lambda/vigil-dev-ingest-events:*`,
      },
      {
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: [`arn:aws:s3:::${bucket}/events/*`, `arn:aws:s3:::${bucket}/quarantine/*`],
      },
    ]);
    const attached =
      (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? [];
    expect(attached.map((p) => p.PolicyArn).sort()).toEqual(
      [id("FunctionVpcAccessPolicy"), id("KafkaTriggerPolicy")].sort(),
    );
    const health = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: id("HealthRole") })))
      .AttachedPolicies;
    expect(health?.map((p) => p.PolicyArn)).toEqual([id("FunctionVpcAccessPolicy")]);
  });

  it("wires the failed-invocations queue, the alarm topic and every alarm to it", async () => {
    const queue = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: id("FailedInvocationsQueue"), AttributeNames: ["All"] }),
    );
    expect(queue.Attributes).toMatchObject({
      MessageRetentionPeriod: "1209600",
      SqsManagedSseEnabled: "true",
    });
    const topicArn = id("AlarmTopic");
    expect((await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes?.TopicArn).toBe(
      topicArn,
    );

    const { MetricAlarms = [] } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: `${stackName}-`, MaxRecords: 100 }),
    );
    expect(MetricAlarms.length).toBe(ofType(rehearsed, "AWS::CloudWatch::Alarm").length);
    for (const alarm of MetricAlarms) {
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([topicArn]);
      expect(alarm.OKActions, alarm.AlarmName).toEqual([topicArn]);
    }
    const byName = new Map(MetricAlarms.map((a) => [a.AlarmName, a]));
    expect(byName.get(`${stackName}-ingest-events-offset-lag`)).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "OffsetLag",
      Dimensions: [{ Name: "FunctionName", Value: "vigil-dev-ingest-events" }],
    });
    expect(byName.get(`${stackName}-kafka-dead-letters`)).toMatchObject({
      Namespace: "AWS/S3",
      MetricName: "PutRequests",
      Dimensions: [
        { Name: "BucketName", Value: id("BronzeBucket") },
        { Name: "FilterId", Value: "quarantine" },
      ],
    });
    expect(byName.get(`${stackName}-failed-invocations`)?.Dimensions).toEqual([
      { Name: "QueueName", Value: `${stackName}-failed-invocations` },
    ]);
  });
});
