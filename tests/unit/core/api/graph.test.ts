import { describe, expect, it } from "vitest";
import {
  addHop,
  type GraphNode,
  graphKey,
  graphKeyOf,
  startNeighbourhood,
} from "../../../../layers/core/api/graph";
import { InvalidInputError } from "../../../../layers/core/errors";

const node = (id: string): GraphNode => ({ id, labels: ["ThreatEvent"], key: id, properties: {} });
const rel = (id: string, start: string, end: string) => ({
  id,
  type: "TARGETED",
  start,
  end,
  properties: {},
});

describe("a bounded neighbourhood", () => {
  it("adds the far nodes once and returns them as the next frontier", () => {
    const state = startNeighbourhood(node("ip"));
    const frontier = addHop(
      state,
      [
        { relationship: rel("r1", "e1", "ip"), node: node("e1") },
        { relationship: rel("r2", "e2", "ip"), node: node("e2") },
        { relationship: rel("r1", "e1", "ip"), node: node("e1") },
      ],
      { maxNodes: 10, maxRelationships: 10 },
    );
    expect(frontier).toEqual(["e1", "e2"]);
    expect([...state.nodes.keys()]).toEqual(["ip", "e1", "e2"]);
    expect(state.relationships.size).toBe(2);
    expect(state.truncated).toBe(false);
  });

  it("stops at the node bound, keeps no relationship without both ends, and says it truncated", () => {
    const state = startNeighbourhood(node("ip"));
    const rows = Array.from({ length: 5 }, (_, i) => ({
      relationship: rel(`r${i}`, `e${i}`, "ip"),
      node: node(`e${i}`),
    }));
    addHop(state, rows, { maxNodes: 3, maxRelationships: 100 });
    expect(state.nodes.size).toBe(3);
    expect(state.relationships.size).toBe(2);
    for (const r of state.relationships.values())
      expect(state.nodes.has(r.start) && state.nodes.has(r.end)).toBe(true);
    expect(state.truncated).toBe(true);
  });

  it("stops at the relationship bound, adding no node beyond it", () => {
    const state = startNeighbourhood(node("ip"));
    const rows = Array.from({ length: 5 }, (_, i) => ({
      relationship: rel(`r${i}`, `e${i}`, "ip"),
      node: node(`e${i}`),
    }));
    addHop(state, rows, { maxNodes: 100, maxRelationships: 2 });
    expect(state.relationships.size).toBe(2);
    expect(state.nodes.size).toBe(3);
    expect(state.truncated).toBe(true);
  });

  it("takes the key property of a label only from the graph model", () => {
    expect(graphKeyOf("IPAddress")).toEqual({ label: "IPAddress", property: "value" });
    expect(graphKeyOf("Vulnerability")).toEqual({ label: "Vulnerability", property: "cve" });
    expect(() => graphKeyOf("IPAddress) DETACH DELETE (n")).toThrow(InvalidInputError);
  });

  it("looks a start key up as the graph writes it: an IP in one spelling, a CVE in capitals, a host in lower case", () => {
    expect(graphKey("IPAddress", "2001:DB8:0:0:0:0:0:7")).toBe("2001:db8::7");
    expect(graphKey("IPAddress", "::FFFF:c612:1")).toBe("::ffff:198.18.0.1");
    expect(graphKey("Vulnerability", "cve-2021-44228")).toBe("CVE-2021-44228");
    expect(graphKey("Host", "WS01.Corp.Example")).toBe("ws01.corp.example");
    expect(graphKey("Host", "Example.COM.")).toBe("example.com");
    expect(graphKey("Host", "[2001:DB8:0::7]")).toBe("2001:db8::7");
    expect(graphKey("Host", "198.51.100.7")).toBe("198.51.100.7");
    expect(graphKey("Actor", "apt28")).toBe("apt28");
  });

  it("refuses a key no node of its label could have, naming the key, the value and what was expected", () => {
    const refused = (label: string, key: string) => {
      try {
        graphKey(label, key);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidInputError);
        return (error as InvalidInputError).message;
      }
      throw new Error(`${label} ${key} was not refused`);
    };
    expect(refused("IPAddress", "not an ip")).toMatch(/^key: got "not an ip"; expected .*IP/);
    expect(refused("IPAddress", "fe80::1%eth0")).toMatch(/^key: got "fe80::1%eth0"; expected/);
    expect(refused("Vulnerability", "x-cve-1")).toBe(
      'key: got "x-cve-1"; expected a CVE id such as CVE-2021-44228',
    );
  });
});
