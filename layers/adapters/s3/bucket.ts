import { CreateBucketCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";

/** Creates the bucket when it is missing. @returns true when it created it. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404) throw error;
  }
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return true;
}
