import type { S3Client } from "@aws-sdk/client-s3";
import { createS3 } from "../adapters/s3/client";
import { type Settings, settings } from "./config";
import { perContainer } from "./container";

/** An S3 client (LocalStack's endpoint when S3_ENDPOINT or AWS_ENDPOINT_URL is set). */
export function s3ClientFor(s: Settings): S3Client {
  return createS3(s.AWS_REGION, s.S3_ENDPOINT ?? s.AWS_ENDPOINT_URL);
}

/** This container's S3 client. */
export const s3Client = /* @__PURE__ */ perContainer(
  () => s3ClientFor(settings()),
  (client) => client.destroy(),
);
