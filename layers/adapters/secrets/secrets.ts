import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";

/** Reads a secret's string value; undefined when the secret does not exist. */
export async function readSecret(client: SecretsManagerClient, name: string): Promise<string | undefined> {
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
    return out.SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Creates the secret with `initial()` when it is missing and leaves an existing one alone, so a key a
 * user already holds keeps working across `make up`. @returns the secret's value.
 */
export async function ensureSecret(
  client: SecretsManagerClient,
  name: string,
  initial: () => string,
): Promise<{ value: string; created: boolean }> {
  const existing = await readSecret(client, name);
  if (existing !== undefined) return { value: existing, created: false };
  const value = initial();
  await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { value, created: true };
}
