import type pg from "pg";
import { describe, expect, it } from "vitest";
import { readRows } from "../../../layers/adapters/postgres/read";
import { ServiceUnavailableError } from "../../../layers/core/errors";

/** An error as the pg driver raises it: a SQLSTATE in `code`, or a Node.js socket code. */
const pgError = (message: string, code: string) => Object.assign(new Error(message), { code });

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
});
