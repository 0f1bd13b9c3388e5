import { createHash } from "node:crypto";
import { z } from "zod";
import { InvalidInputError, VigilError } from "../errors";
import { BRONZE_PREFIXES } from "../topology";

/**
 * An S3 object version dropped under `raw-logs/`: what the ledger keys on. The ETag names the content,
 * so a key overwritten with other bytes is another object version, loaded on its own.
 */
export interface LogObjectRef {
  bucket: string;
  key: string;
  etag: string;
  size: number | null;
}

/**
 * The version being read is no longer the object's current one (S3 answered 412 to `If-Match`): it was
 * overwritten or deleted, and the newer version has a delivery of its own.
 */
export class ObjectSupersededError extends VigilError {
  constructor(ref: LogObjectRef) {
    super(`s3://${ref.bucket}/${ref.key} is no longer version ${ref.etag}`, {
      reason: "object_superseded",
      retryable: false,
      status: 409,
    });
  }
}

/** How an object is read, from its name. */
export type LogObjectKind = "json" | "gzip" | "zip" | "metadata" | "unsupported";

const JSON_LINES = /\.(json|jsonl|ndjson)$/i;
const GZIP = /\.(json|jsonl|ndjson)\.gz$/i;
const ZIP = /\.zip$/i;
// Sidecars: `<dataset>.yaml`, `.yml` or `.meta.json` beside the log object (never a plain .json: that is a log).
const METADATA = /(\.ya?ml|\.meta\.json)$/i;

/** How to read the object at `key`. */
export function logObjectKind(key: string): LogObjectKind {
  if (METADATA.test(key)) return "metadata";
  if (GZIP.test(key)) return "gzip";
  if (JSON_LINES.test(key)) return "json";
  if (ZIP.test(key)) return "zip";
  return "unsupported";
}

/**
 * The dataset an object belongs to: its key without the log or metadata extensions. A log object and its
 * metadata sidecar share it (`raw-logs/otrf/sam.zip` and `raw-logs/otrf/sam.yaml`).
 */
export function datasetKey(key: string): string {
  return key.replace(/(\.meta\.json|\.ya?ml|\.(json|jsonl|ndjson)(\.gz)?|\.zip)$/i, "");
}

/** The sidecar keys that may hold a dataset's metadata, in order of preference. */
export const sidecarKeys = (dataset: string): string[] =>
  [".yaml", ".yml", ".meta.json"].map((ext) => `${dataset}${ext}`);

/** S3 quotes ETags (`"abc"`) in some APIs and not in others; the ledger keeps them bare. */
export const bareEtag = (etag: string): string => etag.replace(/^W\//, "").replace(/^"|"$/g, "");

/**
 * The idempotency key of one line: the same object version, member and line always give the same key, so
 * a re-delivered or resumed object upserts onto its own rows.
 */
export function eventKey(ref: LogObjectRef, member: string, lineNo: number): string {
  return createHash("sha256")
    .update(`${ref.bucket}\n${ref.key}\n${ref.etag}\n${member}\n${lineNo}`)
    .digest("hex");
}

/**
 * The bronze key where the lines of a chunk that could not be read are copied, one JSON line each:
 * deterministic, so a retried chunk overwrites its own copy.
 */
export function quarantineKey(ref: LogObjectRef, firstLine: number, lastLine: number): string {
  return `${BRONZE_PREFIXES.quarantine}security-logs/${ref.bucket}/${ref.key}/${ref.etag}/lines-${firstLine}-${lastLine}.jsonl`;
}

// ---- The S3 event Lambda receives (and the SQS message body S3 sends) ----

const S3EventRecordSchema = z.object({
  eventSource: z.literal("aws:s3"),
  eventName: z.string(),
  eventTime: z.string().optional(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      eTag: z.string().optional(),
      size: z.number().int().nonnegative().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});
export type S3EventRecord = z.infer<typeof S3EventRecordSchema>;

export const S3EventSchema = z.object({ Records: z.array(S3EventRecordSchema) });
export type S3Event = z.infer<typeof S3EventSchema>;

/**
 * S3 notifications URL-encode the key the way HTML forms do (a space is `+`), so it is decoded before use;
 * `raw-logs/my file.json` arrives as `raw-logs/my+file.json`.
 */
export const decodeS3Key = (key: string): string => decodeURIComponent(key.replace(/\+/g, " "));

/**
 * The object versions an S3 event announces: `ObjectCreated:*` records only, keys decoded.
 * @throws InvalidInputError naming what is wrong when the event is not an S3 event.
 */
export function logObjectsOf(event: unknown): LogObjectRef[] {
  const parsed = S3EventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidInputError(
      `event.${issue?.path.join(".") ?? ""}`,
      `${issue?.message ?? "invalid"}; expected an S3 ObjectCreated event ({ Records: [{ eventSource: "aws:s3", s3: { bucket, object } }] })`,
    );
  }
  return parsed.data.Records.filter((r) => r.eventName.startsWith("ObjectCreated:")).map((r) => ({
    bucket: r.s3.bucket.name,
    key: decodeS3Key(r.s3.object.key),
    etag: bareEtag(r.s3.object.eTag ?? ""),
    size: r.s3.object.size ?? null,
  }));
}

const encodeS3Key = (key: string): string =>
  encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");

/**
 * The S3 `ObjectCreated` event for an object found by listing a prefix (backfill): the very record shape
 * a notification carries, so backfill and the trigger drive the same handler.
 */
export function objectCreatedEvent(
  objects: readonly { bucket: string; key: string; etag: string; size: number; lastModified: Date }[],
  region: string,
): { Records: Record<string, unknown>[] } {
  return {
    Records: objects.map((o) => ({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: region,
      eventTime: o.lastModified.toISOString(),
      eventName: "ObjectCreated:Put",
      userIdentity: { principalId: "vigil-backfill" },
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      responseElements: {},
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "vigil-backfill",
        bucket: { name: o.bucket, arn: `arn:aws:s3:::${o.bucket}` },
        object: { key: encodeS3Key(o.key), eTag: bareEtag(o.etag), size: o.size },
      },
    })),
  };
}
