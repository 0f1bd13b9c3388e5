import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

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

/** The JSON lines of a gzipped bronze object. */
export async function readJsonLines<T>(s3: S3Client, bucket: string, key: string): Promise<T[]> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  return gunzipSync(body)
    .toString("utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}
