import { describe, expect, it } from "vitest";
import { matchApiKey, parseApiKeys, ttlCache } from "../../../../layers/core/api/api-keys";
import { VigilError } from "../../../../layers/core/errors";

const k1 = "vgl_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const k2 = "vgl_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

describe("API keys", () => {
  it("reads the local secret and the one CloudFormation generates", () => {
    expect(parseApiKeys(JSON.stringify({ keys: [k1, k2] }), "s")).toEqual([k1, k2]);
    expect(parseApiKeys(JSON.stringify({ keys: [], key: k2 }), "s")).toEqual([k2]);
  });

  it("refuses a secret that holds no usable key, as unavailable (503)", () => {
    for (const value of [undefined, "not json", "{}", '{"keys": []}', '{"keys": ["short"]}']) {
      try {
        parseApiKeys(value, "vigil/api-keys");
        throw new Error("expected a refusal");
      } catch (error) {
        expect(error).toBeInstanceOf(VigilError);
        expect((error as VigilError).status).toBe(503);
        expect((error as VigilError).message).toContain("vigil/api-keys");
      }
    }
  });

  it("matches a key exactly, naming it by a digest prefix", () => {
    const match = matchApiKey(k2, [k1, k2]);
    expect(match?.keyId).toMatch(/^[0-9a-f]{12}$/);
    expect(match?.keyId).not.toContain("bbbb");
    expect(matchApiKey(k1, [k1, k2])?.keyId).not.toBe(match?.keyId);
    for (const wrong of [undefined, "", `${k1} `, k1.slice(0, -1), k1.toUpperCase(), `${k1}${k1}`]) {
      expect(matchApiKey(wrong, [k1, k2])).toBeNull();
    }
  });

  it("keeps a loaded value for the TTL, shares one load, and does not keep a failure", async () => {
    let now = 0;
    let loads = 0;
    let fail = false;
    const cache = ttlCache(
      async () => {
        loads += 1;
        if (fail) throw new Error("secrets manager down");
        return loads;
      },
      1_000,
      () => now,
    );
    expect(await Promise.all([cache.get(), cache.get()])).toEqual([1, 1]);
    now = 999;
    expect(await cache.get()).toBe(1);
    now = 1_000;
    fail = true;
    await expect(cache.get()).rejects.toThrow("down");
    fail = false;
    expect(await cache.get()).toBe(3);
    expect(loads).toBe(3);
  });
});
