import { createHash } from "node:crypto";
import type pg from "pg";
import { ServiceUnavailableError } from "../../core/errors";
import type { DatasetMetadata } from "../../core/security-logs/dataset-metadata";
import type { Detection, DetectionRuleSet } from "../../core/security-logs/detection-rules";
import type {
  Chunk,
  HostAddress,
  LedgerState,
  LedgerStatus,
  SecurityLogStore,
} from "../../core/security-logs/ingest-log-object";
import type { LogObjectRef } from "../../core/security-logs/log-object";
import { SECURITY_EVENT_COLUMNS, type StoredSecurityEvent } from "../../core/security-logs/security-event";
import { inTransaction } from "./feed-runs";

/** The security-log tables, schema-qualified. */
export interface SecurityLogTables {
  objects: string;
  events: string;
  rejects: string;
  detections: string;
  /** Read only: where a detection's CVE is looked up (KEV). */
  kevVulnerabilities: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * The tables in `silver` and `ops` (KEV in `raw`), or in other schemas of the same shape (a test's own).
 * Schema names cannot be query parameters, so they are checked to be plain identifiers.
 */
export function securityLogTables(
  schemas: { silver?: string; ops?: string; raw?: string } = {},
): SecurityLogTables {
  const silver = schemas.silver ?? "silver";
  const ops = schemas.ops ?? "ops";
  const raw = schemas.raw ?? "raw";
  for (const name of [silver, ops, raw]) {
    if (!IDENTIFIER.test(name)) throw new Error(`not a plain schema name: "${name}"`);
  }
  return {
    objects: `${ops}.security_log_objects`,
    events: `${silver}.security_events`,
    rejects: `${ops}.security_log_rejects`,
    detections: `${silver}.detections`,
    kevVulnerabilities: `${raw}.kev_vulnerabilities`,
  };
}

export const SECURITY_LOG_TABLES = securityLogTables();

const unavailable = (what: string, error: unknown) =>
  new ServiceUnavailableError("postgres", `${what}: ${(error as Error).message}`, error);

async function query<R extends pg.QueryResultRow>(
  db: pg.Pool | pg.ClientBase,
  what: string,
  sql: string,
  params: unknown[],
): Promise<pg.QueryResult<R>> {
  try {
    return await db.query<R>(sql, params);
  } catch (error) {
    throw unavailable(what, error);
  }
}

const EVENT_COLUMNS = `event_key text, event_time timestamptz, time_source text, layout text, host text,
  channel text, provider text, event_id integer, user_name text, process_image text, command_line text,
  parent_image text, parent_command_line text, source_ip inet, source_port integer, destination_ip inet,
  destination_port integer, attack_techniques text[], extra jsonb, member text, line_no integer`;
const EVENT_NAMES = EVENT_COLUMNS.split(",").map((c) => c.trim().split(/\s+/)[0] ?? "");

const REJECT_COLUMNS = "member text, line_no integer, reason text, detail text, text text, bytes integer";

interface ObjectRow {
  status: LedgerStatus;
  lines_done: string;
  events_loaded: string;
  lines_rejected: string;
  detections: number;
  attack_techniques: string[];
  error: string | null;
}

const toState = (row: ObjectRow): LedgerState => ({
  status: row.status,
  linesDone: Number(row.lines_done),
  eventsLoaded: Number(row.events_loaded),
  linesRejected: Number(row.lines_rejected),
  detections: row.detections,
  techniques: row.attack_techniques,
  error: row.error,
});

const OBJECT_STATE =
  "status, lines_done, events_loaded, lines_rejected, detections, attack_techniques, error";

/** A detection's key: one row per rule, object version and host. */
export const detectionId = (ref: LogObjectRef, ruleId: string, host: string | null): string =>
  createHash("sha256")
    .update(`${ruleId}\n${ref.bucket}\n${ref.key}\n${ref.etag}\n${host ?? ""}`)
    .digest("hex")
    .slice(0, 32);

/** The ledger, events, rejects and detections of the security logs in Postgres. */
export function postgresSecurityLogStore(
  pool: pg.Pool,
  t: SecurityLogTables = SECURITY_LOG_TABLES,
): SecurityLogStore {
  const id = (ref: LogObjectRef) => [ref.bucket, ref.key, ref.etag];

  /** Writes the version's detections, removing those no rule finds any more, in the caller's transaction. */
  async function writeDetections(
    client: pg.ClientBase,
    ref: LogObjectRef,
    detections: readonly Detection[],
    rules: DetectionRuleSet,
  ): Promise<void> {
    const rows = detections.map((d) => ({
      detection_id: detectionId(ref, d.rule.id, d.host),
      rule_id: d.rule.id,
      rule_title: d.rule.title,
      technique_id: d.rule.technique,
      severity: d.rule.severity,
      cve_id: d.rule.cve ?? null,
      host: d.host,
      first_event_at: d.firstEventAt,
      last_event_at: d.lastEventAt,
      evidence_count: d.evidenceCount,
      evidence_event_keys: d.evidence,
    }));
    // Rules may have changed since the last evaluation: what no rule finds any more goes.
    await client.query(
      `DELETE FROM ${t.detections} WHERE bucket = $1 AND object_key = $2 AND etag = $3
         AND NOT (detection_id = ANY($4::text[]))`,
      [...id(ref), rows.map((r) => r.detection_id)],
    );
    if (rows.length === 0) return;
    await client.query(
      `INSERT INTO ${t.detections} (detection_id, rule_id, rule_title, technique_id, severity, cve_id,
         kev_listed, host, first_event_at, last_event_at, evidence_count, evidence_event_keys, bucket,
         object_key, etag, rules_version, rules_digest)
       SELECT r.detection_id, r.rule_id, r.rule_title, r.technique_id, r.severity, r.cve_id,
         EXISTS (SELECT 1 FROM ${t.kevVulnerabilities} k WHERE k.cve_id = r.cve_id AND k.removed_in_version IS NULL),
         r.host, r.first_event_at, r.last_event_at, r.evidence_count, r.evidence_event_keys, $2, $3, $4, $5, $6
       FROM jsonb_to_recordset($1::jsonb) AS r(detection_id text, rule_id text, rule_title text,
         technique_id text, severity text, cve_id text, host text, first_event_at timestamptz,
         last_event_at timestamptz, evidence_count integer, evidence_event_keys text[])
       ON CONFLICT (detection_id) DO UPDATE SET rule_title = EXCLUDED.rule_title,
         technique_id = EXCLUDED.technique_id, severity = EXCLUDED.severity, cve_id = EXCLUDED.cve_id,
         kev_listed = EXCLUDED.kev_listed, first_event_at = EXCLUDED.first_event_at,
         last_event_at = EXCLUDED.last_event_at, evidence_count = EXCLUDED.evidence_count,
         evidence_event_keys = EXCLUDED.evidence_event_keys, rules_version = EXCLUDED.rules_version,
         rules_digest = EXCLUDED.rules_digest, updated_at = now()`,
      [JSON.stringify(rows), ...id(ref), rules.version, rules.digest],
    );
  }

  return {
    async state(ref) {
      const { rows } = await query<ObjectRow>(
        pool,
        "reading the security-log ledger",
        `SELECT ${OBJECT_STATE} FROM ${t.objects} WHERE bucket = $1 AND object_key = $2 AND etag = $3`,
        id(ref),
      );
      return rows[0] ? toState(rows[0]) : null;
    },

    async begin(ref, load) {
      // A version not yet final counts another attempt and takes the metadata as it is now; a final one is
      // left exactly as it is (the WHERE makes the upsert a no-op), then read back.
      const { rows } = await query<ObjectRow>(
        pool,
        "opening the security-log ledger row",
        `INSERT INTO ${t.objects} (bucket, object_key, etag, dataset_key, kind, size_bytes, last_modified,
           attack_techniques, metadata_sources)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (bucket, object_key, etag) DO UPDATE SET attempts = ${t.objects}.attempts + 1,
           attack_techniques = EXCLUDED.attack_techniques, metadata_sources = EXCLUDED.metadata_sources,
           size_bytes = EXCLUDED.size_bytes, last_modified = EXCLUDED.last_modified, updated_at = now()
         WHERE ${t.objects}.status IN ('loading', 'detecting')
         RETURNING ${OBJECT_STATE}`,
        [
          ...id(ref),
          load.datasetKey,
          load.kind,
          load.size,
          load.lastModified,
          load.metadata.techniques,
          load.metadata.sources,
        ],
      );
      if (rows[0]) return toState(rows[0]);
      const state = await this.state(ref);
      if (!state) throw unavailable("opening the security-log ledger row", new Error("row vanished"));
      return state;
    },

    async commitChunk(ref, chunk: Chunk) {
      return inTransaction(pool, `committing lines of s3://${ref.bucket}/${ref.key}`, async (client) => {
        let inserted = 0;
        if (chunk.events.length > 0) {
          const result = await client.query(
            `INSERT INTO ${t.events} (${EVENT_NAMES.join(", ")}, bucket, object_key, etag)
             SELECT ${EVENT_NAMES.join(", ")}, $2, $3, $4 FROM jsonb_to_recordset($1::jsonb) AS r(${EVENT_COLUMNS})
             ON CONFLICT (event_key) DO NOTHING`,
            [JSON.stringify(chunk.events), ...id(ref)],
          );
          inserted = result.rowCount ?? 0;
        }
        let rejected = 0;
        if (chunk.rejects.length > 0) {
          const result = await client.query(
            `INSERT INTO ${t.rejects} (bucket, object_key, etag, member, line_no, reason, detail, line_head,
               line_bytes, quarantine_key)
             SELECT $2, $3, $4, member, line_no, reason, detail, text, bytes, $5
             FROM jsonb_to_recordset($1::jsonb) AS r(${REJECT_COLUMNS})
             ON CONFLICT (bucket, object_key, etag, member, line_no) DO NOTHING`,
            [JSON.stringify(chunk.rejects), ...id(ref), chunk.quarantineKey],
          );
          rejected = result.rowCount ?? 0;
        }
        // Counters grow by what this transaction actually inserted: two deliveries racing on one version
        // insert each row once between them, so the counts stay true.
        await client.query(
          `UPDATE ${t.objects} SET lines_done = GREATEST(lines_done, $4), events_loaded = events_loaded + $5,
             lines_rejected = lines_rejected + $6, updated_at = now(),
             status = CASE WHEN $7 AND status = 'loading' THEN 'detecting' ELSE status END
           WHERE bucket = $1 AND object_key = $2 AND etag = $3`,
          [...id(ref), chunk.linesDone, inserted, rejected, chunk.last],
        );
        return { inserted, rejected };
      });
    },

    async *scan(ref, pageSize) {
      let after: [string, number] = ["", 0];
      for (;;) {
        const { rows } = await query<StoredSecurityEvent & { member: string; line_no: number }>(
          pool,
          "reading security events",
          `SELECT event_key, to_char(event_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS event_time,
             ${SECURITY_EVENT_COLUMNS.filter((c) => c !== "event_time")
               .map((c) => (c.endsWith("_ip") ? `host(${c}) AS ${c}` : c))
               .join(", ")},
             extra, member, line_no
           FROM ${t.events}
           WHERE bucket = $1 AND object_key = $2 AND etag = $3 AND (member, line_no) > ($4, $5)
           ORDER BY member, line_no LIMIT $6`,
          [...id(ref), after[0], after[1], pageSize],
        );
        if (rows.length === 0) return;
        yield rows;
        const last = rows[rows.length - 1];
        if (!last || rows.length < pageSize) return;
        after = [last.member, last.line_no];
      }
    },

    async hostAddresses(ref) {
      const { rows } = await query<{ host: string; ip: string; first_seen: Date; last_seen: Date }>(
        pool,
        "reading the addresses of security events",
        `SELECT host, host(ip) AS ip, min(event_time) AS first_seen, max(event_time) AS last_seen
         FROM (SELECT host, source_ip AS ip, event_time FROM ${t.events}
                 WHERE bucket = $1 AND object_key = $2 AND etag = $3 AND source_ip IS NOT NULL
               UNION ALL
               SELECT host, destination_ip, event_time FROM ${t.events}
                 WHERE bucket = $1 AND object_key = $2 AND etag = $3 AND destination_ip IS NOT NULL) a
         WHERE host IS NOT NULL
         GROUP BY host, ip ORDER BY host, ip`,
        id(ref),
      );
      return rows.map(
        (r): HostAddress => ({
          host: r.host,
          ip: r.ip,
          firstSeen: r.first_seen.toISOString(),
          lastSeen: r.last_seen.toISOString(),
        }),
      );
    },

    async saveDetections(ref, detections: readonly Detection[], rules: DetectionRuleSet) {
      await inTransaction(pool, `saving detections of s3://${ref.bucket}/${ref.key}`, (client) =>
        writeDetections(client, ref, detections, rules),
      );
    },

    async loadedVersions(bucket, prefix) {
      const { rows } = await query<{
        object_key: string;
        etag: string;
        size_bytes: string | null;
        detections: number;
      }>(
        pool,
        `listing the loaded objects under s3://${bucket}/${prefix}`,
        `SELECT object_key, etag, size_bytes, detections FROM ${t.objects}
          WHERE bucket = $1 AND starts_with(object_key, $2) AND status = 'loaded' ORDER BY object_key, etag`,
        [bucket, prefix],
      );
      return rows.map((r) => ({
        ref: {
          bucket,
          key: r.object_key,
          etag: r.etag,
          size: r.size_bytes === null ? null : Number(r.size_bytes),
        },
        detections: r.detections,
      }));
    },

    async replaceDetections(ref, detections: readonly Detection[], rules: DetectionRuleSet) {
      return inTransaction(pool, `replacing detections of s3://${ref.bucket}/${ref.key}`, async (client) => {
        // The version's ledger row, locked against a newer version's finish (which locks it to supersede
        // it): either that finish comes first and this finds the version no longer loaded, or it waits and
        // then removes what this wrote along with the rest of the version's rows. FOR UPDATE, not SHARE:
        // the row is updated below, and two runs at once would each wait for the other's share.
        const { rows } = await client.query<{ status: string }>(
          `SELECT status FROM ${t.objects} WHERE bucket = $1 AND object_key = $2 AND etag = $3 FOR UPDATE`,
          id(ref),
        );
        if (rows[0]?.status !== "loaded") return false;
        await writeDetections(client, ref, detections, rules);
        await client.query(
          `UPDATE ${t.objects} SET detections = $4, updated_at = now()
            WHERE bucket = $1 AND object_key = $2 AND etag = $3`,
          [...id(ref), detections.length],
        );
        return true;
      });
    },

    async finish(ref, outcome) {
      return inTransaction(pool, `closing s3://${ref.bucket}/${ref.key}`, async (client) => {
        let status = outcome.status;
        let error = outcome.error;
        if (status === "loaded") {
          // S3 keeps one current version per key: a newer version already loaded makes this one stale
          // (a late delivery); otherwise this one replaces every older version's rows.
          const { rows } = await client.query<{ newer: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM ${t.objects} o, ${t.objects} me
               WHERE o.bucket = $1 AND o.object_key = $2 AND o.etag <> $3 AND o.status = 'loaded'
                 AND me.bucket = $1 AND me.object_key = $2 AND me.etag = $3
                 AND o.last_modified > me.last_modified) AS newer`,
            id(ref),
          );
          if (rows[0]?.newer) {
            status = "superseded";
            error = "a newer version of the object is already loaded";
          }
        }
        let etags: string[] = [];
        if (status === "loaded") {
          // Locked before their rows go: a re-run of the rules on one of them (replaceDetections) holds its
          // row while it writes, so its detections are removed with the rest, not left behind.
          const { rows } = await client.query<{ etag: string }>(
            `SELECT etag FROM ${t.objects} WHERE bucket = $1 AND object_key = $2 AND etag <> $3
               AND status IN ('loaded', 'loading', 'detecting') FOR UPDATE`,
            id(ref),
          );
          etags = rows.map((r) => r.etag);
        } else if (status === "superseded") {
          etags = [ref.etag];
        }
        if (etags.length > 0) {
          for (const table of [t.events, t.detections, t.rejects]) {
            await client.query(
              `DELETE FROM ${table} WHERE bucket = $1 AND object_key = $2 AND etag = ANY($3::text[])`,
              [ref.bucket, ref.key, etags],
            );
          }
        }
        if (status === "loaded" && etags.length > 0) {
          await client.query(
            `UPDATE ${t.objects} SET status = 'superseded', events_loaded = 0, detections = 0,
               error = 'replaced by version ' || $4, updated_at = now(), finished_at = coalesce(finished_at, now())
             WHERE bucket = $1 AND object_key = $2 AND etag = ANY($3::text[])`,
            [ref.bucket, ref.key, etags, ref.etag],
          );
        }
        await client.query(
          `UPDATE ${t.objects} SET status = $4, error = $5, detections = $6, updated_at = now(), finished_at = now(),
             events_loaded = CASE WHEN $4 = 'superseded' THEN 0 ELSE events_loaded END
           WHERE bucket = $1 AND object_key = $2 AND etag = $3`,
          [...id(ref), status, error, status === "loaded" ? outcome.detections : 0],
        );
        return status;
      });
    },

    async applyMetadata(ref, dataset: string, metadata: DatasetMetadata) {
      if (metadata.techniques.length === 0) return 0;
      return inTransaction(pool, `applying metadata s3://${ref.bucket}/${ref.key}`, async (client) => {
        const merge = (column: string) =>
          `ARRAY(SELECT DISTINCT x FROM unnest(${column} || $3::text[]) AS x ORDER BY x)`;
        const { rows } = await client.query<{ etag: string; object_key: string }>(
          `UPDATE ${t.objects} SET attack_techniques = ${merge("attack_techniques")},
             metadata_sources = ARRAY(SELECT DISTINCT x FROM unnest(metadata_sources || $4::text[]) AS x ORDER BY x),
             updated_at = now()
           WHERE bucket = $1 AND dataset_key = $2 AND kind <> 'metadata'
           RETURNING object_key, etag`,
          [ref.bucket, dataset, metadata.techniques, metadata.sources],
        );
        for (const row of rows) {
          await client.query(
            `UPDATE ${t.events} SET attack_techniques = ${merge("attack_techniques")}
             WHERE bucket = $1 AND object_key = $2 AND etag = $4`,
            [ref.bucket, row.object_key, metadata.techniques, row.etag],
          );
        }
        return rows.length;
      });
    },
  };
}
