/**
 * `make redetect [PREFIX=raw-logs/]`: runs the current detection rules again over every security-log object
 * version loaded under the prefix of the bronze bucket — after a rule was added or changed, which otherwise
 * applies only to objects that arrive after it. Each version's detections are replaced, its ledger count
 * set, and its hosts merged into the graph again. Running it twice changes nothing more.
 */

import { parseArgs } from "node:util";
import { redetect } from "../../core/security-logs/ingest-log-object";
import { BRONZE_PREFIXES } from "../../core/topology";
import { closeClients } from "../clients";
import { settings } from "../config";
import { securityLogDeps } from "../security-logs";

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { prefix: { type: "string" } } });
  const prefix = values.prefix || BRONZE_PREFIXES.rawLogs;
  if (!prefix.startsWith(BRONZE_PREFIXES.rawLogs)) {
    throw new Error(`PREFIX is "${prefix}"; expected ${BRONZE_PREFIXES.rawLogs} or a folder under it`);
  }
  const bucket = settings().BRONZE_BUCKET;
  const started = Date.now();
  const done = await redetect(securityLogDeps(), bucket, prefix, (r, index, total) => {
    const what =
      r.outcome === "redetected" ? `${r.before} → ${r.detections} detections` : "superseded, skipped";
    console.log(`redetect: ${index + 1}/${total} ${r.key}: ${what}`);
  });
  const changed = done.filter((r) => r.outcome === "redetected" && r.detections !== r.before).length;
  console.log(
    `redetect: done — ${done.length} loaded versions under s3://${bucket}/${prefix}, ${changed} with a changed count, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main()
  .then(async () => {
    await closeClients();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    console.error(`redetect: ${(error as Error).message}`);
    await closeClients();
    process.exit(1);
  });
