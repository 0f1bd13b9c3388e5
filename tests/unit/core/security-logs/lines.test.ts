import { describe, expect, it } from "vitest";
import { type Line, splitLines } from "../../../../layers/core/security-logs/lines";

async function* chunks(...parts: (string | Uint8Array)[]) {
  for (const p of parts) yield typeof p === "string" ? new TextEncoder().encode(p) : p;
}
const all = async (it: AsyncIterable<Line>) => {
  const out: Line[] = [];
  for await (const line of it) out.push(line);
  return out;
};

describe("splitLines", () => {
  it("numbers lines across chunk boundaries, blank ones included, CRLF and a BOM removed", async () => {
    const lines = await all(splitLines(chunks('\uFEFF{"a":', '1}\r\n\r\n{"b"', ":2}"), 1024));
    expect(lines).toEqual([
      { lineNo: 1, text: '{"a":1}' },
      { lineNo: 2, text: "" },
      { lineNo: 3, text: '{"b":2}' },
    ]);
  });

  it("does not invent a line after a final newline", async () => {
    expect(await all(splitLines(chunks("x\n"), 1024))).toEqual([{ lineNo: 1, text: "x" }]);
    expect(await all(splitLines(chunks(), 1024))).toEqual([]);
  });

  it("reports an over-long line with its size and head, and goes on with the next", async () => {
    const long = "y".repeat(3000);
    const lines = await all(splitLines(chunks(`${long.slice(0, 1000)}`, `${long.slice(1000)}\nok\n`), 100));
    expect(lines[0]).toMatchObject({ lineNo: 1, problem: "line_too_long", bytes: 3000 });
    expect((lines[0] as { head: string }).head).toBe("y".repeat(512));
    expect(lines[1]).toEqual({ lineNo: 2, text: "ok" });
  });

  it("reports bytes that are not UTF-8", async () => {
    const lines = await all(splitLines(chunks(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a])), 1024));
    expect(lines[0]).toMatchObject({ lineNo: 1, problem: "not_utf8", bytes: 4 });
  });

  it("keeps a multi-byte character split between chunks whole", async () => {
    const bytes = new TextEncoder().encode("é\n");
    const lines = await all(splitLines(chunks(bytes.subarray(0, 1), bytes.subarray(1)), 1024));
    expect(lines).toEqual([{ lineNo: 1, text: "é" }]);
  });
});
