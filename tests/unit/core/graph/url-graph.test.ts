import { describe, expect, it } from "vitest";
import type { UrlhausEvent } from "../../../../layers/core/events/urlhaus-event";
import { toGraphUrl } from "../../../../layers/core/graph/url-graph";

const change = (host: string): UrlhausEvent => ({
  event_id: "urlhaus:1:r1",
  ts: "2026-11-25T10:00:00Z",
  change: "added",
  urlhaus_id: "1",
  url: `http://${host.includes(":") ? `[${host}]` : host}/x.sh`,
  host,
  url_status: "online",
  tags: [],
});

describe("the URL graph", () => {
  it("hosts on an IP reach the IPAddress node the threat events' IPs reach, in one spelling", () => {
    const graph = (host: string) => {
      const g = toGraphUrl(change(host));
      return [g.host, g.hostIsIp];
    };
    expect(graph("2001:DB8:0:0::7")).toEqual(["2001:db8::7", true]);
    expect(graph("::ffff:c612:1")).toEqual(["::ffff:198.18.0.1", true]);
    expect(graph("192.0.2.1")).toEqual(["192.0.2.1", true]);
    expect(graph("Evil.Example")).toEqual(["evil.example", false]);
  });
});
