import { S3Client } from "@aws-sdk/client-s3";

/**
 * An S3 client for AWS or, when an endpoint is given, for LocalStack: path-style addressing because
 * LocalStack on 127.0.0.1 has no per-bucket DNS names.
 */
export function createS3(region: string, endpoint?: string): S3Client {
  return new S3Client({ region, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) });
}
