import { neo4jSecurityGraph } from "../adapters/neo4j/security-graph";
import { postgresSecurityLogStore } from "../adapters/postgres/security-log-tables";
import { s3LogObjectSource, s3SecurityLogQuarantine } from "../adapters/s3/security-log-objects";
import {
  DEFAULT_INGEST_OPTIONS,
  type IngestLogDeps,
  type IngestLogOptions,
  type LogObjectSummary,
} from "../core/security-logs/ingest-log-object";
import { settings } from "./config";
import { logger } from "./logger";
import { neo4jDriver } from "./neo4j";
import { postgres } from "./postgres";
import { s3Client } from "./s3";

/** The security-log ingest's adapters: S3 (objects, quarantine), Postgres (ledger, silver), Neo4j. */
export function securityLogDeps(): IngestLogDeps {
  const s3 = s3Client();
  return {
    source: s3LogObjectSource(s3),
    store: postgresSecurityLogStore(postgres().pool),
    quarantine: s3SecurityLogQuarantine(s3, settings().BRONZE_BUCKET),
    graph: neo4jSecurityGraph(neo4jDriver()),
  };
}

export function securityLogOptions(): IngestLogOptions {
  return { ...DEFAULT_INGEST_OPTIONS, chunkLines: settings().SECURITY_LOGS_CHUNK_LINES };
}

/** One log line per object: a refused or superseded object is a warning (nothing to retry), the rest info. */
export function logSummary(s: LogObjectSummary): void {
  const fields = { summary: s };
  const message = `security log s3://${s.bucket}/${s.key}: ${s.outcome}`;
  if (s.outcome === "refused" || s.outcome === "superseded" || s.warnings.length > 0)
    logger.warn(message, fields);
  else logger.info(message, fields);
}
