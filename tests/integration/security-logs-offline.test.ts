import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DeleteObjectsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  ensureBucketNotification,
  ensureRawLogsQueue,
} from "../../layers/adapters/sqs/raw-logs-notifications";
import { BRONZE_PREFIXES } from "../../layers/core/topology";
import { buildClients, closeClients } from "../../layers/runtime/clients";
import { readSettings } from "../../layers/runtime/config";
import { describeRealData, readRealData } from "../support/real-data";
import { listKeys } from "./support/bronze";
import { freePort, ROOT, testEnv, uniqueSuffix, waitFor } from "./support/env";
import { type Offline, startOffline } from "./support/offline";

// The S3 trigger end to end, as a user drives it: `serverless offline start` (with localstack/offline-s3)
// against the shared stack; a dataset PUT under raw-logs/ in the bronze bucket lands in silver. The test's
// objects live under raw-logs/e2e-<suffix>/, and their rows are removed afterwards. The graph is shared: the
// dataset's own host and technique are merged there (idempotently), as any load of it would.
const env = testEnv();
const settings = readSettings(env);
const c = buildClients(settings);
const prefix = `${BRONZE_PREFIXES.rawLogs}e2e-${uniqueSuffix()}/`;
const bucket = settings.BRONZE_BUCKET;
const run = promisify(execFile);
let offline: Offline | undefined;

const ledger = async (key: string) => {
  const { rows } = await c.pool.query<{ status: string; events_loaded: string; attempts: number }>(
    "SELECT status, events_loaded, attempts FROM ops.security_log_objects WHERE bucket = $1 AND object_key = $2",
    [bucket, key],
  );
  return rows[0];
};

/** One of the `make` commands' scripts (layers/runtime/cli), as `make` runs it, against the test's stack. */
const cli = (script: string, ...args: string[]) =>
  run(process.execPath, ["--import", "tsx", `layers/runtime/cli/${script}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 120_000,
  });

const put = (key: string, body: Buffer) =>
  c.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));

describeRealData("ingest-security-logs behind its S3 trigger", () => {
  beforeAll(async () => {
    // What `make init` sets up; idempotent, so running it here changes nothing on an initialised stack.
    const sqs = new SQSClient({ region: settings.AWS_REGION, endpoint: settings.AWS_ENDPOINT_URL });
    const queue = await ensureRawLogsQueue(sqs, settings.RAW_LOGS_QUEUE, bucket);
    await ensureBucketNotification(c.s3, bucket, {
      id: "vigil-raw-logs",
      queueArn: queue.arn,
      prefix: BRONZE_PREFIXES.rawLogs,
    });
    sqs.destroy();
  });

  afterAll(async () => {
    await offline?.stop();
    for (const table of [
      "silver.security_events",
      "silver.detections",
      "ops.security_log_rejects",
      "ops.security_log_objects",
    ]) {
      await c.pool.query(`DELETE FROM ${table} WHERE bucket = $1 AND object_key LIKE $2`, [
        bucket,
        `${prefix}%`,
      ]);
    }
    const keys = await listKeys(c.s3, bucket, prefix);
    if (keys.length > 0) {
      await c.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
      );
    }
    await closeClients(c);
  });

  it("backfill (directory listing) loads what already lies under a prefix, a second run skips it, and redetect runs the rules again", async () => {
    const key = `${prefix}backfill/promptforcreds.zip`;
    await put(`${prefix}backfill/promptforcreds.yaml`, readRealData("otrf/SDWIN-201020013208.yaml"));
    await put(key, readRealData("otrf/psh_input_capture_promptforcreds.zip"));
    const backfill = () => cli("backfill.ts", "--prefix", `${prefix}backfill/`);
    const first = await backfill();
    expect(first.stdout).toContain(`backfill: 2 objects under s3://${bucket}/${prefix}backfill/`);
    expect(first.stdout).toContain(`backfill: ${prefix}backfill/promptforcreds.yaml: metadata`);
    // The trigger (a `make start` elsewhere) may have taken it first: loaded either way, by one of them.
    expect(first.stdout).toMatch(
      /promptforcreds\.zip: (loaded \(163 events, 0 rejected, 1 detections\)|duplicate)/,
    );
    expect(await ledger(key)).toMatchObject({ status: "loaded", events_loaded: "163" });
    const second = await backfill();
    expect(second.stdout).toContain(`backfill: ${key}: duplicate`);
    expect(second.stdout).toContain("backfill: done, 2 handled, 0 failed");

    // As if the credential-prompt rule had come after the load: its detection is not there yet.
    await c.pool.query("DELETE FROM silver.detections WHERE bucket = $1 AND object_key = $2", [bucket, key]);
    await c.pool.query(
      "UPDATE ops.security_log_objects SET detections = 0 WHERE bucket = $1 AND object_key = $2",
      [bucket, key],
    );
    const redetect = () => cli("redetect.ts", "--prefix", `${prefix}backfill/`);
    const again = await redetect();
    expect(again.stdout).toContain(`redetect: 1/1 ${key}: 0 → 1 detections`);
    expect(again.stdout).toMatch(/redetect: done — 1 loaded versions under .+, 1 with a changed count/);
    const { rows } = await c.pool.query<{ rule_id: string }>(
      "SELECT rule_id FROM silver.detections WHERE bucket = $1 AND object_key = $2",
      [bucket, key],
    );
    expect(rows.map((r) => r.rule_id)).toEqual(["credential-prompt-from-script-host"]);
    expect((await redetect()).stdout).toContain(`redetect: 1/1 ${key}: 1 → 1 detections`);
  });

  it("a dataset PUT under raw-logs/ lands in silver with its detections", async () => {
    offline = await startOffline(
      ROOT,
      { ...env, OFFLINE_HTTP_PORT: String(await freePort()), OFFLINE_LAMBDA_PORT: String(await freePort()) },
      /s3 trigger ingest-security-logs ← /,
    );
    const key = `${prefix}log4shell.zip`;
    await put(`${prefix}log4shell.yaml`, readRealData("otrf/Log4Shell.yaml"));
    await put(key, readRealData("otrf/securityauditing_log4shell_cve2021_44228_java_serialized_object.zip"));
    const row = await waitFor(
      `s3://${bucket}/${key} loaded by the trigger`,
      async () => {
        const r = await ledger(key);
        return r?.status === "loaded" ? r : undefined;
      },
      120_000,
    );
    expect(row).toMatchObject({ status: "loaded", events_loaded: "39" });
    const { rows } = await c.pool.query<{ techniques: string[] }>(
      `SELECT array_agg(DISTINCT t ORDER BY t) AS techniques
       FROM silver.security_events, unnest(attack_techniques) AS t WHERE bucket = $1 AND object_key = $2`,
      [bucket, key],
    );
    expect(rows[0]?.techniques).toEqual(["T1190", "T1203"]);
    const detections = await c.pool.query<{ technique_id: string }>(
      "SELECT technique_id FROM silver.detections WHERE bucket = $1 AND object_key = $2 ORDER BY 1",
      [bucket, key],
    );
    expect(detections.rows.map((d) => d.technique_id)).toEqual(["T1059.001", "T1190"]);
    // The function logs its summary after it returns, a moment after the ledger says loaded.
    const logged = /security log s3:\/\/[^ ]+log4shell\.zip: loaded/;
    await waitFor("the function's summary in the offline output", () =>
      logged.test(offline?.output() ?? "") ? true : undefined,
    );
  });
});
