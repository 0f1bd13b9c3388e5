import { createS3 } from "../adapters/s3/client";
import { settings } from "./config";
import { perContainer } from "./container";

/** This container's S3 client (LocalStack's endpoint when S3_ENDPOINT or AWS_ENDPOINT_URL is set). */
export const s3Client = /* @__PURE__ */ perContainer(
  () => {
    const s = settings();
    return createS3(s.AWS_REGION, s.S3_ENDPOINT ?? s.AWS_ENDPOINT_URL);
  },
  (client) => client.destroy(),
);
