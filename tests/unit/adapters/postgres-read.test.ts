import type pg from "pg";
import { describe, expect, it } from "vitest";
import { readRows, withConnection } from "../../../layers/adapters/postgres/read";
import { ServiceUnavailableError } from "../../../layers/core/errors";

/** An error as the pg driver raises it: a SQLSTATE in `code`, or a Node.js socket code. */
const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

/** A pool whose connect() gives `client` (or fails with `refuse`), recording how the client was released. */
function poolOf(client: { query: (...args: unknown[]) => Promise<unknown> }, refuse?: Error) {
  const released: unknown[] = [];
  const held = { ...client, release: (arg?: unknown) => released.push(arg ?? "released") };
  const pool = {
    connect: async () => {
      if (refuse) throw refuse;
      return held;
    },
  } as unknown as pg.Pool;
  return { pool, held: held as unknown as pg.PoolClient, released };
}

describe("Postgres reads", () => {
  it("answer 503 when Postgres cannot serve, and rethrow a defect as it is", async () => {
    const failing = (error: Error) => ({ query: async () => Promise.reject(error) }) as unknown as pg.Pool;
    for (const error of [
      pgError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"),
      pgError("terminating connection due to administrator command", "57P01"),
      pgError("sorry, too many clients already", "53300"),
    ]) {
      const read = readRows(failing(error), "reading a thing", "SELECT 1");
      await expect(read).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(read).rejects.toThrow(`reading a thing: ${error.message}`);
    }
    const defect = pgError('relation "raw.nope" does not exist', "42P01");
    await expect(readRows(failing(defect), "reading a thing", "SELECT 1")).rejects.toBe(defect);
  });

  it("hold one connection for several statements and give it back", async () => {
    const { pool, held, released } = poolOf({ query: async () => ({ rows: [{ n: 1 }] }) });
    const rows = await withConnection(pool, "reading", async (client) => {
      expect(client).toBe(held);
      return [...(await readRows(client, "one", "SELECT 1")), ...(await readRows(client, "two", "SELECT 2"))];
    });
    expect(rows).toEqual([{ n: 1 }, { n: 1 }]);
    expect(released).toEqual(["released"]);
  });

  it("close the connection when the work fails, and answer 503 when none can be had", async () => {
    const defect = pgError('relation "raw.nope" does not exist', "42P01");
    const { pool, released } = poolOf({ query: async () => Promise.reject(defect) });
    await expect(withConnection(pool, "reading", (c) => readRows(c, "one", "SELECT 1"))).rejects.toBe(defect);
    expect(released).toEqual([defect]);

    const refused = pgError("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED");
    const none = poolOf({ query: async () => ({ rows: [] }) }, refused);
    const read = withConnection(none.pool, "reading the evidence of an IP", async () => "never");
    await expect(read).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(read).rejects.toThrow("reading the evidence of an IP: connect ECONNREFUSED");
    expect(none.released).toEqual([]);
  });
});
