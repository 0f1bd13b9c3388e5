import { describe, expect, it } from "vitest";
import { latestPerKey } from "../../../../layers/core/ingest/dedupe";

describe("one record per key", () => {
  it("keeps the newest by time, then by offset, whatever the input order", () => {
    const items = [
      { id: "a", t: 2, o: 1, v: "late-time" },
      { id: "a", t: 1, o: 9, v: "early-time" },
      { id: "b", t: 5, o: 3, v: "first" },
      { id: "b", t: 5, o: 4, v: "same-time-later-offset" },
    ];
    const pick = (list: typeof items) =>
      latestPerKey(
        list,
        (i) => i.id,
        (i) => [i.t, i.o] as const,
      )
        .map((i) => i.v)
        .sort();
    expect(pick(items)).toEqual(["late-time", "same-time-later-offset"]);
    expect(pick([...items].reverse())).toEqual(["late-time", "same-time-later-offset"]);
  });
});
