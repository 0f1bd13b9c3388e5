import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONSUMER_GROUPS, consumerLag, DEAD_LETTER_TOPICS } from "../../../../layers/core/api/pipeline";

const ROOT = resolve(import.meta.dirname, "../../../..");

describe("the pipeline status", () => {
  it("reports the lag of exactly the consumer groups serverless.yml declares", () => {
    const doc = parse(readFileSync(resolve(ROOT, "serverless.yml"), "utf8")) as {
      functions: Record<string, { events?: { kafka?: { topic: string; consumerGroupId: string } }[] }>;
    };
    const declared = Object.entries(doc.functions).flatMap(([fn, f]) =>
      (f.events ?? []).flatMap((e) =>
        e.kafka ? [{ group: e.kafka.consumerGroupId, topic: e.kafka.topic, fn }] : [],
      ),
    );
    const sort = (l: readonly { group: string }[]) => [...l].sort((a, b) => (a.group < b.group ? -1 : 1));
    expect(sort(CONSUMER_GROUPS)).toEqual(sort(declared));
    expect(DEAD_LETTER_TOPICS).toEqual(["threat.events.dlq", "urlhaus.events.dlq"]);
  });

  it("counts lag from the committed offset, or from the oldest retained message when none is committed", () => {
    expect(
      consumerLag([
        { partition: 1, low: 0, high: 100, committed: null },
        { partition: 0, low: 0, high: 50, committed: 40 },
        { partition: 2, low: 30, high: 60, committed: 10 },
      ]),
    ).toEqual({
      lag: 100 + 10 + 30,
      partitions: [
        { partition: 0, committed: 40, high: 50, lag: 10 },
        { partition: 1, committed: null, high: 100, lag: 100 },
        { partition: 2, committed: 10, high: 60, lag: 30 },
      ],
    });
  });
});
