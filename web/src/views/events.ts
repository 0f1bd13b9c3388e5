import { get } from "../api";
import { h, link, mount, notice, score, table, when } from "../dom";
import type { ApiEvent, ApiEventDetail, Page } from "../types";

const FILTERS = [
  "actor",
  "type",
  "tactic",
  "country",
  "channel",
  "ip",
  "min_score",
  "since",
  "until",
] as const;

/** An example in each field that takes a format. */
const PLACEHOLDERS: Partial<Record<(typeof FILTERS)[number], string>> = {
  ip: "198.51.100.7",
  min_score: "0.8",
  since: "2026-11-25T00:00:00Z",
  until: "2026-11-25T00:00:00Z",
};

/** The ATT&CK tactics the API accepts, read from its own OpenAPI document (one source of truth). */
async function tactics(): Promise<string[]> {
  const doc = await fetch(`${window.VIGIL_API_BASE ?? ""}/openapi.json`).then((r) => r.json());
  const params = doc?.paths?.["/v1/events"]?.get?.parameters as {
    name: string;
    schema?: { enum?: string[] };
  }[];
  return params?.find((p) => p.name === "tactic")?.schema?.enum ?? [];
}

function eventTable(events: ApiEvent[]): HTMLElement {
  return table(
    events,
    {
      time: (e) => when(e.ts),
      actor: (e) => (e.actor ? link(`/events?actor=${encodeURIComponent(e.actor)}`, e.actor) : "—"),
      type: (e) => e.type ?? "—",
      tactic: (e) => e.tactic ?? "—",
      score: (e) => score(e.score),
      ip: (e) => (e.ip ? link(`/ips/${encodeURIComponent(e.ip)}`, e.ip, { "data-testid": "ip-link" }) : "—"),
      country: (e) => e.country ?? "—",
      event: (e) =>
        link(`/events/${encodeURIComponent(e.event_id)}`, e.event_id, { "data-testid": "event-link" }),
    },
    "No event matches these filters.",
  );
}

/** The event list with its filters (kept in the URL, so a filtered view can be shared) and paging. */
export async function eventsView(root: HTMLElement, query: URLSearchParams): Promise<void> {
  const form = h("form", { class: "filters", "data-testid": "event-filters" });
  const tacticSelect = h("select", { name: "tactic" }, h("option", { value: "" }, "any tactic"));
  for (const name of FILTERS) {
    const value = query.get(name) ?? "";
    const input =
      name === "tactic" ? tacticSelect : h("input", { name, value, placeholder: PLACEHOLDERS[name] ?? "" });
    form.append(h("label", {}, name.replace("_", " "), input));
  }
  form.append(
    h("button", { type: "submit" }, "Filter"),
    h("a", { href: "#/events", class: "reset" }, "clear"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form))
      if (String(value).trim()) next.set(name, String(value).trim());
    location.hash = `#/events?${next}`;
  });
  const results = h("section", { class: "results" }, notice("Loading events…"));
  mount(root, h("h1", {}, "Threat events"), form, results);

  tactics()
    .then((names) => {
      for (const name of names) tacticSelect.append(h("option", { value: name }, name));
      (tacticSelect as HTMLSelectElement).value = query.get("tactic") ?? "";
    })
    .catch(() => {});

  const params = Object.fromEntries(FILTERS.flatMap((n) => (query.get(n) ? [[n, query.get(n)]] : [])));
  const load = async (cursor?: string, older = false) => {
    const page = await get<Page<ApiEvent>>("/v1/events", { ...params, limit: 50, cursor });
    const more = page.meta.next_cursor
      ? h(
          "button",
          { type: "button", onclick: () => void load(page.meta.next_cursor ?? undefined, true).catch(show) },
          "Older events",
        )
      : null;
    // One page: it says so when there are more, so the count does not read as the filters' total.
    const shown = `${page.meta.count} ${older ? "older events" : "events"}`;
    const count = page.meta.next_cursor
      ? `${shown}${older ? "" : ", the newest"} (more with Older events)`
      : shown;
    mount(results, h("p", { class: "count" }, count), eventTable(page.data), more);
  };
  const show = (error: Error) => mount(results, notice(error.message, "error"));
  await load().catch(show);
}

/** One event: every field, where it came from (Kafka, bronze) and where to pivot next. */
export async function eventView(root: HTMLElement, id: string): Promise<void> {
  mount(root, notice("Loading the event…"));
  const { data: e } = await get<{ data: ApiEventDetail }>(`/v1/events/${encodeURIComponent(id)}`);
  const field = (name: string, value: Node | string) => [h("dt", {}, name), h("dd", {}, value)];
  mount(
    root,
    h("h1", {}, "Event ", h("code", {}, e.event_id)),
    h(
      "dl",
      { class: "detail", "data-testid": "event-detail" },
      ...field("time", when(e.ts)),
      ...field("actor", e.actor ? link(`/events?actor=${encodeURIComponent(e.actor)}`, e.actor) : "—"),
      ...field("type", e.type ?? "—"),
      ...field("message", e.msg ?? "—"),
      ...field("tactic", e.tactic ?? "—"),
      ...field("score", score(e.score)),
      ...field(
        "target IP",
        e.ip ? link(`/ips/${encodeURIComponent(e.ip)}`, e.ip, { "data-testid": "pivot-ip" }) : "—",
      ),
      ...field("country", e.country ?? "—"),
      ...field("channel", e.channel ?? "—"),
      ...field("Kafka", `${e.kafka.topic} / partition ${e.kafka.partition} / offset ${e.kafka.offset}`),
      ...field("bronze object", h("code", {}, e.bronze_key)),
      ...field("ingested", when(e.ingested_at)),
      ...field(
        "other fields",
        Object.keys(e.extra).length ? h("pre", {}, JSON.stringify(e.extra, null, 2)) : "—",
      ),
    ),
    h("p", {}, link(`/graph?label=ThreatEvent&key=${encodeURIComponent(e.event_id)}`, "Open in the graph")),
  );
}
