/**
 * `make api-key`: prints the first API key of the API keys secret (API_KEYS_SECRET) in the local stack's
 * Secrets Manager, for `curl -H "x-api-key: $(make -s api-key)" …`. The key is created by `make up` (init).
 */
import { readSecret } from "../../adapters/secrets/secrets";
import { parseApiKeys } from "../../core/api/api-keys";
import { buildClients, closeClients } from "../clients";
import { readSettings } from "../config";

async function main(): Promise<void> {
  const settings = readSettings();
  const c = buildClients(settings);
  try {
    const keys = parseApiKeys(
      await readSecret(c.secrets, settings.API_KEYS_SECRET),
      settings.API_KEYS_SECRET,
    );
    console.log(keys[0]);
  } finally {
    await closeClients(c);
  }
}

main().catch((error: unknown) => {
  console.error(`api-key: ${(error as Error).message}`);
  process.exit(1);
});
