import { describe, expect, it } from "vitest";
import { constraintStatement, GRAPH_CONSTRAINTS } from "../../../layers/core/graph-schema";

describe("graph constraints", () => {
  it("constrains the keys the threat graph merges on", () => {
    const keys = GRAPH_CONSTRAINTS.map((c) => `${c.label}.${c.property}`);
    expect(keys).toEqual(expect.arrayContaining(["Actor.name", "ThreatEvent.event_id", "IPAddress.value"]));
  });

  it("builds idempotent Cypher and refuses anything but plain identifiers", () => {
    expect(constraintStatement({ name: "a", label: "Actor", property: "name" })).toBe(
      "CREATE CONSTRAINT a IF NOT EXISTS FOR (n:Actor) REQUIRE n.name IS UNIQUE",
    );
    expect(() =>
      constraintStatement({ name: "a", label: "Actor) DETACH DELETE n //", property: "x" }),
    ).toThrow(/not a plain identifier/);
  });
});
