import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { ServiceUnavailableError } from "../../core/errors";
import type { SnapshotStore } from "../../core/feeds/feed-source";
import type { BronzeStore } from "../../core/ingest/ingest-batch";
import type { BronzeReader } from "../../core/ingest/replay";

const s3Failure = (bucket: string, what: string, key: string, error: unknown) =>
  new ServiceUnavailableError(
    "s3",
    `${what} s3://${bucket}/${key} failed: ${(error as Error).message}`,
    error,
  );

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Bronze on S3: gzipped JSON Lines, one PUT per object (a retried PUT of a key replaces it). */
export function s3Bronze(s3: S3Client, bucket: string): BronzeStore {
  return {
    async putJsonLines(key, lines) {
      const body = await gzipAsync(`${lines.join("\n")}\n`);
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: "application/x-ndjson",
            ContentEncoding: "gzip",
          }),
        );
      } catch (error) {
        throw s3Failure(bucket, "PUT", key, error);
      }
    },
  };
}

/** Reading bronze back (replay): event objects by topic and dt= range, and their lines. */
export function s3BronzeReader(s3: S3Client, bucket: string): BronzeReader {
  return {
    async listEventObjects(topic, from, to) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: `events/topic=${topic}/dt=`,
            ContinuationToken: token,
          }),
        );
        for (const { Key } of page.Contents ?? []) {
          const dt = Key ? /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(Key)?.[1] : undefined;
          if (Key && dt && dt >= from && dt <= to) keys.push(Key);
        }
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async readJsonLines(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = await gunzipAsync(Buffer.from((await out.Body?.transformToByteArray()) ?? []));
      return body
        .toString("utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as unknown);
    },
  };
}

const statusOf = (error: unknown) =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Feed snapshots on S3, immutable: a key that exists is never written again. The check is a HEAD, and the
 * PUT itself is conditional (`If-None-Match: *`), so two runs racing on one snapshot cannot replace it.
 */
export function s3Snapshots(s3: S3Client, bucket: string): SnapshotStore {
  const failed = (what: string, key: string, error: unknown) => s3Failure(bucket, what, key, error);
  return {
    async putOnce(key, body, contentType) {
      try {
        await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return false;
      } catch (error) {
        if (statusOf(error) !== 404) throw failed("HEAD", key, error);
      }
      try {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            IfNoneMatch: "*",
          }),
        );
        return true;
      } catch (error) {
        if (statusOf(error) === 412) return false;
        throw failed("PUT", key, error);
      }
    },
  };
}
