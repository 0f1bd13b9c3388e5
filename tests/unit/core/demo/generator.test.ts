import { describe, expect, it } from "vitest";
import { generateEvents } from "../../../../layers/core/demo/generator";
import { ThreatEventSchema } from "../../../../layers/core/events/threat-event";

describe("the demo generator", () => {
  it("produces valid, unique, realistic events", () => {
    const events = generateEvents(2_000, { idPrefix: "demo" });
    for (const e of events) expect(ThreatEventSchema.safeParse(e).success).toBe(true);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(2_000);
    expect(new Set(events.map((e) => e.actor)).size).toBeGreaterThan(5);
    expect(new Set(events.map((e) => e.tactic)).size).toBe(14);
    const high = events.filter((e) => (e.score ?? 0) > 0.8).length;
    expect(high).toBeGreaterThan(50);
    expect(high).toBeLessThan(1_000);
  });

  it("is deterministic for a seed", () => {
    expect(generateEvents(50, { seed: 3 })).toEqual(generateEvents(50, { seed: 3 }));
    expect(generateEvents(50, { seed: 3 })).not.toEqual(generateEvents(50, { seed: 4 }));
  });
});
