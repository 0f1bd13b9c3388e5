import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type QueueConfiguration,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

/** After this many failed receives a notification moves to `<queue>-dlq` instead of looping forever. */
export const MAX_RECEIVE_COUNT = 5;

async function queueUrl(sqs: SQSClient, name: string): Promise<string | undefined> {
  try {
    return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (
      (error as Error).name === "QueueDoesNotExist" ||
      (error as Error).name === "AWS.SimpleQueueService.NonExistentQueue"
    ) {
      return undefined;
    }
    throw error;
  }
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${url} has no QueueArn`);
  return arn;
}

/**
 * The queue S3 notifies of new raw logs, with its dead-letter twin `<name>-dlq` and a policy that lets the
 * bucket send to it. Attributes are set on every run (SetQueueAttributes is idempotent), so an existing
 * queue converges to this configuration. @returns its ARN and whether it was created.
 */
export async function ensureRawLogsQueue(
  sqs: SQSClient,
  name: string,
  bucket: string,
): Promise<{ arn: string; created: boolean }> {
  const dlqUrl =
    (await queueUrl(sqs, `${name}-dlq`)) ??
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${name}-dlq`,
          Attributes: { MessageRetentionPeriod: "1209600" },
        }),
      )
    ).QueueUrl;
  if (!dlqUrl) throw new Error(`creating queue ${name}-dlq returned no URL`);
  const dlqArn = await queueArn(sqs, dlqUrl);

  let url = await queueUrl(sqs, name);
  const created = url === undefined;
  url ??= (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl;
  if (!url) throw new Error(`creating queue ${name} returned no URL`);
  const arn = await queueArn(sqs, url);
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: {
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: String(MAX_RECEIVE_COUNT),
        }),
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "s3.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: arn,
              Condition: { ArnLike: { "aws:SourceArn": `arn:aws:s3:::${bucket}` } },
            },
          ],
        }),
      },
    }),
  );
  return { arn, created };
}

/**
 * The bucket notification `ObjectCreated` under `prefix` → the queue, merged by its Id into whatever else
 * the bucket notifies (PutBucketNotificationConfiguration replaces the whole configuration).
 * @returns true when it changed the configuration.
 */
export async function ensureBucketNotification(
  s3: S3Client,
  bucket: string,
  notification: { id: string; queueArn: string; prefix: string },
): Promise<boolean> {
  const current = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
  const wanted: QueueConfiguration = {
    Id: notification.id,
    QueueArn: notification.queueArn,
    Events: ["s3:ObjectCreated:*"],
    Filter: { Key: { FilterRules: [{ Name: "prefix", Value: notification.prefix }] } },
  };
  const others = (current.QueueConfigurations ?? []).filter((q) => q.Id !== notification.id);
  const existing = (current.QueueConfigurations ?? []).find((q) => q.Id === notification.id);
  const same =
    existing?.QueueArn === wanted.QueueArn &&
    JSON.stringify(existing?.Events) === JSON.stringify(wanted.Events) &&
    existing?.Filter?.Key?.FilterRules?.[0]?.Value === notification.prefix;
  if (same) return false;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [...others, wanted],
        TopicConfigurations: current.TopicConfigurations,
        LambdaFunctionConfigurations: current.LambdaFunctionConfigurations,
        EventBridgeConfiguration: current.EventBridgeConfiguration,
      },
    }),
  );
  return true;
}
