import { describe, expect, it } from "vitest";
import {
  eventObjectKey,
  groupForBronze,
  quarantineObjectKey,
} from "../../../../layers/core/ingest/bronze-keys";
import type { RecordOrigin } from "../../../../layers/core/ingest/kafka-records";

const at = (partition: number, offset: number, iso: string): { origin: RecordOrigin } => ({
  origin: { topic: "threat.events", partition, offset, timestamp: Date.parse(iso), key: null },
});

describe("bronze keys", () => {
  it("are made of topic, partition and first offset, partitioned by the Kafka timestamp in UTC", () => {
    expect(eventObjectKey(at(2, 1500, "2026-11-25T23:59:59.999+00:00").origin)).toBe(
      "events/topic=threat.events/dt=2026-11-25/hour=23/threat.events+2+1500.jsonl.gz",
    );
    expect(quarantineObjectKey(at(0, 7, "2026-01-01T00:00:00Z").origin)).toBe(
      "quarantine/topic=threat.events/dt=2026-01-01/threat.events+0+7.jsonl.gz",
    );
  });

  it("cut a batch at each partition and each UTC hour, the same way every time", () => {
    const batch = [
      at(0, 10, "2026-11-25T09:59:00Z"),
      at(0, 11, "2026-11-25T10:00:00Z"),
      at(0, 12, "2026-11-25T10:30:00Z"),
      at(1, 5, "2026-11-25T10:31:00Z"),
    ];
    const groups = groupForBronze(batch);
    expect(groups.map((g) => [g.key, g.items.length])).toEqual([
      ["events/topic=threat.events/dt=2026-11-25/hour=09/threat.events+0+10.jsonl.gz", 1],
      ["events/topic=threat.events/dt=2026-11-25/hour=10/threat.events+0+11.jsonl.gz", 2],
      ["events/topic=threat.events/dt=2026-11-25/hour=10/threat.events+1+5.jsonl.gz", 1],
    ]);
    expect(groupForBronze(batch)).toEqual(groups);
  });
});
