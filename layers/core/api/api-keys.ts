import { createHash, timingSafeEqual } from "node:crypto";
import { VigilError } from "../errors";
import { z } from "./zod";

/**
 * The API keys secret (API_KEYS_SECRET): `{"keys": ["vgl_…", …]}`, several keys allowing a rotation. The
 * secret CloudFormation creates (resources/secrets.yml) also holds its generated key under `key`.
 */
export const ApiKeysSecret = z
  .object({ keys: z.array(z.string()).default([]), key: z.string().optional() })
  .passthrough()
  .transform(({ keys, key }) => [...keys, ...(key ? [key] : [])])
  .refine((keys) => keys.length > 0 && keys.every((k) => k.length >= 16));

/**
 * The keys of the secret's value.
 * @throws VigilError (503, retryable) when the secret is missing or not of that shape: no key can be checked.
 */
export function parseApiKeys(value: string | undefined, secretName: string): string[] {
  const fail = (why: string) =>
    new VigilError(`API keys secret ${secretName}: ${why}`, {
      reason: "api_keys_unavailable",
      retryable: true,
      status: 503,
    });
  if (value === undefined) throw fail("does not exist");
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw fail("is not JSON");
  }
  const parsed = ApiKeysSecret.safeParse(json);
  if (!parsed.success) throw fail('expected {"keys": ["<at least 16 characters>", …]}');
  return parsed.data;
}

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Which key, if any, the presented one is. Both sides are hashed first, so every comparison is between
 * 32-byte digests in constant time and neither the length nor a common prefix of a key leaks through
 * timing; every key is compared, even after a match.
 * @returns the matching key's id (the start of its SHA-256, safe to log), or null.
 */
export function matchApiKey(
  presented: string | undefined,
  keys: readonly string[],
): { keyId: string } | null {
  if (!presented) return null;
  const candidate = digest(presented);
  let match: Buffer | null = null;
  for (const key of keys) {
    const known = digest(key);
    if (timingSafeEqual(candidate, known)) match = known;
  }
  return match ? { keyId: match.toString("hex").slice(0, 12) } : null;
}

/**
 * A value loaded on first use and kept for `ttlMs` (a secret: a rotated key takes effect within the TTL
 * without a call to Secrets Manager per request). Concurrent callers share one load; a failed load is not
 * kept, so the next call tries again.
 */
export function ttlCache<T>(
  load: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): { get: () => Promise<T>; clear: () => void } {
  let entry: { value: Promise<T>; expires: number } | undefined;
  return {
    get() {
      if (entry && now() < entry.expires) return entry.value;
      const value = load();
      const current = { value, expires: now() + ttlMs };
      entry = current;
      value.catch(() => {
        if (entry === current) entry = undefined;
      });
      return value;
    },
    clear() {
      entry = undefined;
    },
  };
}
