import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
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
