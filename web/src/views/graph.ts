import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import { get } from "../api";
import { h, link, mount, notice } from "../dom";
import type { GraphNode, Neighbourhood } from "../types";

// The key property of each label (the API's graph constraints), to ask for a clicked node's neighbourhood.
const KEY_OF: Record<string, string> = {
  Actor: "name",
  ThreatEvent: "event_id",
  IPAddress: "value",
  URL: "value",
  Host: "name",
  Vulnerability: "cve",
  Vendor: "name",
  Product: "key",
  Technique: "id",
};
const COLOURS: Record<string, string> = {
  Actor: "#c0392b",
  ThreatEvent: "#7f8c8d",
  IPAddress: "#2980b9",
  URL: "#8e44ad",
  Host: "#16a085",
  Vulnerability: "#d35400",
  Vendor: "#2c3e50",
  Product: "#27ae60",
  Technique: "#f39c12",
};

// Spread out enough that captions (event ids, URLs) mostly keep clear of one another; no animation, so the
// picture is final when it appears.
const LAYOUT = {
  name: "cose",
  animate: false,
  idealEdgeLength: () => 110,
  nodeRepulsion: () => 40_000,
  nodeOverlap: 40,
  padding: 24,
} as const;

// IP hosts carry both labels; the more specific one names the node.
const labelOf = (n: GraphNode) =>
  n.labels.find((l) => l === "IPAddress") ?? n.labels.find((l) => l in KEY_OF) ?? n.labels[0] ?? "";
const caption = (n: GraphNode) => {
  const text = n.key ?? n.id;
  return text.length > 32 ? `${text.slice(0, 30)}…` : text;
};

function elements(hood: Neighbourhood): ElementDefinition[] {
  return [
    ...hood.data.nodes.map((n) => ({
      data: {
        id: n.id,
        label: caption(n),
        kind: labelOf(n),
        key: n.key ?? "",
        colour: COLOURS[labelOf(n)] ?? "#555",
      },
    })),
    ...hood.data.relationships.map((r) => ({
      data: { id: `r${r.id}`, source: r.start, target: r.end, type: r.type },
    })),
  ];
}

/**
 * The graph around one node; clicking a node expands its own neighbourhood into the same picture, so an
 * analyst walks actor ↔ events ↔ IPs ↔ URLs ↔ CVEs without leaving the page.
 */
export async function graphView(root: HTMLElement, query: URLSearchParams): Promise<void> {
  const label = query.get("label") ?? "";
  const key = query.get("key") ?? "";
  const form = h(
    "form",
    { class: "filters" },
    h(
      "label",
      {},
      "label",
      h(
        "select",
        { name: "label" },
        ...Object.keys(KEY_OF).map((l) => h("option", { value: l, selected: l === label }, l)),
      ),
    ),
    h(
      "label",
      {},
      "key",
      h("input", { name: "key", value: key, placeholder: "FIN7, 198.51.100.7, CVE-2021-44228…" }),
    ),
    h("button", { type: "submit" }, "Show"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = `#/graph?${new URLSearchParams({ label: String(data.get("label")), key: String(data.get("key")).trim() })}`;
  });
  const status = h("p", { class: "count" });
  const canvas = h("div", { id: "graph-canvas", "data-testid": "graph-canvas" });
  const legend = h("ul", { class: "legend", "aria-label": "What each colour is" });
  const selected = h("aside", { class: "selected" }, "Click a node to expand it.");
  mount(
    root,
    h("h1", {}, "Threat graph"),
    form,
    status,
    h("div", { class: "graph-layout" }, h("div", {}, canvas, legend), selected),
  );
  if (!key) {
    mount(status, "Pick a node to start from: an actor, an IP, a CVE…");
    return;
  }

  let cy: Core | undefined;
  // The nodes whose neighbourhood the picture holds already: a second click only selects them (asking
  // again would add nothing and lay the whole picture out anew).
  const expanded = new Set<string>();
  // The node whose relationships are named: the start node, then the one last clicked.
  let focus = "";
  const nameEdges = () => {
    cy?.edges(".near").removeClass("near");
    // By element id, not a selector: Neo4j's ids (4:<uuid>:12) hold colons a selector would need escaped.
    cy?.getElementById(focus).connectedEdges().addClass("near");
  };
  const expand = async (l: string, k: string) => {
    const name = `${l}\u0000${k}`;
    if (expanded.has(name)) return;
    expanded.add(name);
    mount(status, `Loading the neighbourhood of ${l} ${k}…`);
    // A read that failed is not taken as done: the next click asks again.
    const hood = await get<Neighbourhood>("/v1/graph", { label: l, key: k, depth: 1, limit: 100 }).catch(
      (error: unknown) => {
        expanded.delete(name);
        throw error;
      },
    );
    if (!cy) {
      cy = cytoscape({
        container: canvas,
        elements: elements(hood),
        style: [
          {
            selector: "node",
            style: {
              label: "data(label)",
              "background-color": "data(colour)",
              "font-size": 9,
              color: "#222",
            },
          },
          {
            selector: "edge",
            style: {
              width: 1,
              "line-color": "#bbb",
              "target-arrow-shape": "triangle",
              "target-arrow-color": "#bbb",
              "curve-style": "bezier",
              "font-size": 8,
            },
          },
          // Only the selected node's relationships are named: thirty labels at once cover one another.
          {
            selector: "edge.near",
            style: {
              width: 2,
              "line-color": "#555",
              "target-arrow-color": "#555",
              label: "data(type)",
              // Along the line: around a node with many relationships, level labels pile up at its centre.
              "text-rotation": "autorotate",
              "text-background-color": "#fff",
              "text-background-opacity": 0.8,
            },
          },
          {
            selector: "node.root",
            style: { "border-width": 3, "border-color": "#000" },
          },
        ],
        layout: LAYOUT,
      });
      focus = hood.data.root;
      cy.getElementById(hood.data.root).addClass("root");
      cy.on("tap", "node", (event) => {
        const node = event.target;
        focus = node.id();
        nameEdges();
        const kind = String(node.data("kind"));
        const nodeKey = String(node.data("key"));
        mount(selected, h("strong", {}, kind), h("p", {}, h("code", {}, nodeKey)), pivotLink(kind, nodeKey));
        if (KEY_OF[kind] && nodeKey)
          void expand(kind, nodeKey).catch((e: Error) => mount(status, notice(e.message, "error")));
      });
    } else {
      cy.add(elements(hood).filter((e) => !cy?.getElementById(String(e.data.id)).length));
      cy.layout(LAYOUT).run();
    }
    // The expansion may have brought more of the selected node's relationships.
    nameEdges();
    const kinds = new Set(cy.nodes().map((n) => String(n.data("kind"))));
    mount(
      legend,
      ...Object.keys(COLOURS)
        .filter((k) => kinds.has(k))
        .map((k) => {
          const swatch = h("span", { class: "swatch" });
          // Through the style object, not a style attribute: a strict Content-Security-Policy allows it.
          swatch.style.backgroundColor = COLOURS[k] ?? "";
          return h("li", {}, swatch, k);
        }),
    );
    mount(
      status,
      `${cy.nodes().length} nodes, ${cy.edges().length} relationships`,
      hood.meta.truncated
        ? ` — the neighbourhood of ${l} ${k} has more than the ${hood.meta.node_limit} shown`
        : "",
    );
  };
  await expand(label, key).catch((e: Error) => mount(status, notice(e.message, "error")));
}

/** Where a node leads in the rest of the page. */
function pivotLink(kind: string, key: string): Node | string {
  if (kind === "IPAddress") return link(`/ips/${encodeURIComponent(key)}`, "IP pivot");
  if (kind === "ThreatEvent") return link(`/events/${encodeURIComponent(key)}`, "event detail");
  if (kind === "Actor") return link(`/events?actor=${encodeURIComponent(key)}`, "this actor's events");
  if (kind === "Vulnerability") return link(`/kev/${encodeURIComponent(key)}`, "KEV entry");
  return "";
}
