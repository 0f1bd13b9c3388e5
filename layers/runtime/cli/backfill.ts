/**
 * `make backfill [PREFIX=raw-logs/]`: the directory-listing mode of the security-log trigger. Lists what
 * already lies under the prefix in the bronze bucket and hands each object to the ingest-security-logs
 * handler with the very S3 event a notification would carry — metadata sidecars first, so the logs find
 * theirs. Objects already loaded are no-ops (the ledger), so running it twice is harmless.
 */

import { parseArgs } from "node:util";
import type { Context } from "aws-lambda";
import { handler } from "../../../functions/ingest-security-logs/handler";
import { listLogObjects } from "../../adapters/s3/security-log-objects";
import type { LogObjectSummary } from "../../core/security-logs/ingest-log-object";
import { logObjectKind, objectCreatedEvent } from "../../core/security-logs/log-object";
import { BRONZE_PREFIXES } from "../../core/topology";
import { clients, closeClients } from "../clients";
import { settings } from "../config";

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { prefix: { type: "string" } } });
  const prefix = values.prefix || BRONZE_PREFIXES.rawLogs;
  if (!prefix.startsWith(BRONZE_PREFIXES.rawLogs)) {
    throw new Error(`PREFIX is "${prefix}"; expected ${BRONZE_PREFIXES.rawLogs} or a folder under it`);
  }
  const s = settings();
  const objects = [];
  for await (const o of listLogObjects(clients().s3, s.BRONZE_BUCKET, prefix)) objects.push(o);
  // Sidecars first, then the logs, each group in key order.
  objects.sort(
    (a, b) =>
      Number(logObjectKind(b.key) === "metadata") - Number(logObjectKind(a.key) === "metadata") ||
      a.key.localeCompare(b.key),
  );
  console.log(`backfill: ${objects.length} objects under s3://${s.BRONZE_BUCKET}/${prefix}`);
  let failed = 0;
  for (const o of objects) {
    try {
      const summaries = (await handler(
        objectCreatedEvent([o], s.AWS_REGION),
        {} as Context,
      )) as LogObjectSummary[];
      for (const r of summaries) {
        console.log(
          `backfill: ${r.key}: ${r.outcome}${r.outcome === "duplicate" ? "" : ` (${r.events} events, ${r.rejected} rejected, ${r.detections} detections)`}${r.reason ? ` — ${r.reason}` : ""}`,
        );
      }
    } catch (error) {
      failed += 1;
      console.error(`backfill: ${o.key}: failed — ${(error as Error).message}`);
    }
  }
  console.log(`backfill: done, ${objects.length - failed} handled, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main()
  .then(async (code) => {
    await closeClients();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(`backfill: ${(error as Error).message}`);
    await closeClients();
    process.exit(1);
  });
