import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ServiceUnavailableError } from "../../core/errors";
import type { BronzeStore } from "../../core/ingest/ingest-batch";

const gzipAsync = promisify(gzip);

/** Bronze on S3: gzipped JSON Lines, one PUT per object (a retried PUT of a key replaces it). */
export function s3Bronze(s3: S3Client, bucket: string): BronzeStore {
  return {
    async putJsonLines(key, lines) {
      const body = await gzipAsync(`${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
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
        throw new ServiceUnavailableError(
          "s3",
          `PUT s3://${bucket}/${key} failed: ${(error as Error).message}`,
          error,
        );
      }
    },
  };
}
