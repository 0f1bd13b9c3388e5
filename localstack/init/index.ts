/**
 * Local stack init, run by `make up` after every service is healthy; every step is idempotent:
 * the bronze bucket, the topics and their `.dlq` twins, the Postgres migrations, the Neo4j constraints,
 * the secrets in LocalStack's Secrets Manager, and the raw-logs/ notification queue.
 */
import { randomBytes } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ensureTopics } from "../../layers/adapters/kafka/topics";
import { ensureGraphConstraints } from "../../layers/adapters/neo4j/schema";
import { loadMigrations, migrate } from "../../layers/adapters/postgres/migrate";
import { ensureBucket } from "../../layers/adapters/s3/bucket";
import { ensureSecret } from "../../layers/adapters/secrets/secrets";
import {
  ensureBucketNotification,
  ensureRawLogsQueue,
} from "../../layers/adapters/sqs/raw-logs-notifications";
import { ALL_TOPICS, BRONZE_PREFIXES, TOPIC_PARTITIONS } from "../../layers/core/topology";
import { buildClients, closeClients } from "../../layers/runtime/clients";
import { readSettings } from "../../layers/runtime/config";

const step = (what: string, outcome: string) => console.log(`    ${what.padEnd(18)} ${outcome}`);

async function main(): Promise<void> {
  const settings = readSettings();
  const c = buildClients(settings);
  try {
    const created = await ensureBucket(c.s3, settings.BRONZE_BUCKET);
    step("bronze bucket", `${settings.BRONZE_BUCKET} ${created ? "created" : "present"}`);

    const newTopics = await ensureTopics(
      c.kafka,
      ALL_TOPICS.map((topic) => ({ topic, partitions: TOPIC_PARTITIONS })),
    );
    step("kafka topics", `${ALL_TOPICS.join(", ")} (${newTopics.length} created)`);

    const client = await c.pool.connect();
    try {
      const applied = await migrate(client, await loadMigrations());
      step(
        "postgres",
        applied.length ? `applied ${applied.map((m) => m.name).join(", ")}` : "schema up to date",
      );
    } finally {
      client.release();
    }

    step("neo4j", `${await ensureGraphConstraints(c.neo4j)} uniqueness constraints in place`);

    // Locally, S3 announces new raw logs on an SQS queue that the offline S3 trigger polls (in AWS, S3
    // invokes ingest-security-logs directly).
    const sqs = new SQSClient({
      region: settings.AWS_REGION,
      ...(settings.AWS_ENDPOINT_URL ? { endpoint: settings.AWS_ENDPOINT_URL } : {}),
    });
    try {
      const queue = await ensureRawLogsQueue(sqs, settings.RAW_LOGS_QUEUE, settings.BRONZE_BUCKET);
      const changed = await ensureBucketNotification(c.s3, settings.BRONZE_BUCKET, {
        id: "vigil-raw-logs",
        queueArn: queue.arn,
        prefix: BRONZE_PREFIXES.rawLogs,
      });
      step(
        "raw-logs trigger",
        `s3://${settings.BRONZE_BUCKET}/${BRONZE_PREFIXES.rawLogs} → SQS ${settings.RAW_LOGS_QUEUE} ` +
          `(queue ${queue.created ? "created" : "present"}, notification ${changed ? "set" : "in place"})`,
      );
    } finally {
      sqs.destroy();
    }

    // A random local API key, made once and kept: the key a user copied keeps working after `make up`.
    const keys = await ensureSecret(c.secrets, settings.API_KEYS_SECRET, () =>
      JSON.stringify({ keys: [`vgl_${randomBytes(24).toString("base64url")}`] }),
    );
    step("secrets", `${settings.API_KEYS_SECRET} ${keys.created ? "created" : "present"}`);
    if (settings.URLHAUS_AUTH_KEY) {
      const auth = await ensureSecret(
        c.secrets,
        settings.URLHAUS_AUTH_KEY_SECRET,
        () => settings.URLHAUS_AUTH_KEY ?? "",
      );
      step("secrets", `${settings.URLHAUS_AUTH_KEY_SECRET} ${auth.created ? "created" : "present"}`);
    }
  } finally {
    await closeClients(c);
  }
}

main().catch((error: unknown) => {
  console.error(`init: ${(error as Error).message}`);
  process.exit(1);
});
