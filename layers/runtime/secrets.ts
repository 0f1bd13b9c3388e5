import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type Settings, settings } from "./config";
import { perContainer } from "./container";

/** A Secrets Manager client (LocalStack's when AWS_ENDPOINT_URL is set). */
export function secretsClientFor(s: Settings): SecretsManagerClient {
  return new SecretsManagerClient({
    region: s.AWS_REGION,
    ...(s.AWS_ENDPOINT_URL ? { endpoint: s.AWS_ENDPOINT_URL } : {}),
  });
}

/** This container's Secrets Manager client. */
export const secretsClient = /* @__PURE__ */ perContainer(
  () => secretsClientFor(settings()),
  (client) => client.destroy(),
);
