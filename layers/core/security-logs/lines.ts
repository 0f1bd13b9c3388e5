/**
 * Lines of a byte stream, with memory bounded by the longest line allowed: a line is held only until its
 * newline arrives, and one longer than `maxLineBytes` is not held at all — its head is kept for the
 * quarantine record and the rest is skipped up to the next newline.
 */

export type Line =
  | { lineNo: number; text: string }
  /** Not valid UTF-8, or longer than allowed: `head` is what can be shown of it. */
  | { lineNo: number; problem: "not_utf8" | "line_too_long"; bytes: number; head: string };

const NEWLINE = 0x0a;
const HEAD_BYTES = 512;

const decoder = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder("utf-8");

function decodeLine(lineNo: number, bytes: Uint8Array): Line {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end -= 1; // CRLF exports
  let start = 0;
  // A UTF-8 byte order mark at the start of a file (Windows tools write one).
  if (lineNo === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const body = bytes.subarray(start, end);
  try {
    return { lineNo, text: decoder.decode(body) };
  } catch {
    return {
      lineNo,
      problem: "not_utf8",
      bytes: body.length,
      head: lenient.decode(body.subarray(0, HEAD_BYTES)),
    };
  }
}

/**
 * Splits a stream of byte chunks into numbered lines (1-based, blank lines included, so numbers match the
 * file). A last line without a newline is a line too.
 */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array>,
  maxLineBytes: number,
): AsyncGenerator<Line> {
  let lineNo = 0;
  let parts: Uint8Array[] = [];
  let held = 0;
  // Set while skipping the rest of an over-long line: its size so far and its head.
  let overflow: { bytes: number; head: Uint8Array } | null = null;

  const take = (piece: Uint8Array) => {
    if (overflow) {
      overflow.bytes += piece.length;
      return;
    }
    if (held + piece.length > maxLineBytes) {
      const joined = concat([...parts, piece.subarray(0, Math.max(0, HEAD_BYTES - held))]);
      overflow = { bytes: held + piece.length, head: joined.subarray(0, HEAD_BYTES) };
      parts = [];
      held = 0;
      return;
    }
    parts.push(piece);
    held += piece.length;
  };
  const finish = (): Line => {
    lineNo += 1;
    if (overflow) {
      const line: Line = {
        lineNo,
        problem: "line_too_long",
        bytes: overflow.bytes,
        head: lenient.decode(overflow.head),
      };
      overflow = null;
      return line;
    }
    const line = decodeLine(lineNo, concat(parts));
    parts = [];
    held = 0;
    return line;
  };

  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const at = chunk.indexOf(NEWLINE, from);
      if (at === -1) {
        if (from < chunk.length) take(chunk.subarray(from));
        break;
      }
      take(chunk.subarray(from, at));
      yield finish();
      from = at + 1;
    }
  }
  if (held > 0 || overflow) yield finish();
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1 && parts[0]) return parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
