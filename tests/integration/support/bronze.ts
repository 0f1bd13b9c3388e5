import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { s3BronzeReader } from "../../../layers/adapters/s3/bronze";

/** Every key under a prefix (all pages). */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** The JSON lines of a gzipped bronze object, read the way replay reads them. */
export async function readJsonLines<T>(s3: S3Client, bucket: string, key: string): Promise<T[]> {
  return (await s3BronzeReader(s3, bucket).readJsonLines(key)) as T[];
}

/** Deletes a test's own bucket with everything in it; a bucket already gone is fine. */
export async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  const keys = await listKeys(s3, bucket, "").catch(() => []);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) },
      }),
    );
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
}
