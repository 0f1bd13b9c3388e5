import { Chart, registerables } from "chart.js";
import { get, reused } from "../api";
import { h, link, mount, notice, table, when } from "../dom";
import type { ApiKev, ApiKevChange, Page } from "../types";

Chart.register(...registerables);

/**
 * How long the catalogue read for the view is reused: a search filters it without asking the API again (its
 * 1,500 rows take a few requests of 500). CISA publishes a few times a week and fetch-kev polls every 6
 * hours, so five minutes old is current; reloading the page reads it again.
 */
const KEV_REUSED_MS = 5 * 60_000;

/** Every KEV entry (the catalogue is ~1,500 rows: a few pages of 500). */
async function allKev(): Promise<ApiKev[]> {
  const all: ApiKev[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<Page<ApiKev>>("/v1/kev", { limit: 500, cursor });
    all.push(...page.data);
    cursor = page.meta.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

const chart = (type: "bar" | "doughnut", labels: string[], values: number[], title: string) => {
  const canvas = h("canvas", { role: "img", "aria-label": title }) as HTMLCanvasElement;
  new Chart(canvas, {
    type,
    data: { labels, datasets: [{ label: title, data: values }] },
    options: { responsive: true, animation: false, plugins: { title: { display: true, text: title } } },
  });
  return h("figure", { class: "chart" }, canvas);
};

/** The KEV catalogue: additions over time, ransomware share, top vendors, and a searchable list. */
export async function kevView(root: HTMLElement, query: URLSearchParams): Promise<void> {
  mount(root, notice("Loading the KEV catalogue…"));
  const entries = await reused("kev", KEV_REUSED_MS, allKev);
  if (entries.length === 0) {
    mount(root, h("h1", {}, "CISA KEV"), notice("No catalogue loaded yet: fetch-kev runs every 6 hours."));
    return;
  }
  const byYear = new Map<string, number>();
  const byVendor = new Map<string, number>();
  let ransomware = 0;
  for (const k of entries) {
    const year = k.date_added.slice(0, 4);
    byYear.set(year, (byYear.get(year) ?? 0) + 1);
    byVendor.set(k.vendor_project, (byVendor.get(k.vendor_project) ?? 0) + 1);
    if (k.ransomware_known) ransomware++;
  }
  const years = [...byYear.keys()].sort();
  const vendors = [...byVendor].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const term = (query.get("q") ?? "").toLowerCase();
  const shown = term
    ? entries.filter((k) =>
        `${k.cve_id} ${k.vendor_project} ${k.product} ${k.vulnerability_name}`.toLowerCase().includes(term),
      )
    : entries.slice(0, 100);
  const search = h(
    "form",
    { class: "filters" },
    h(
      "label",
      {},
      "search",
      h("input", { name: "q", value: query.get("q") ?? "", placeholder: "vendor, product, CVE" }),
    ),
    h("button", { type: "submit" }, "Search"),
  );
  search.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/kev?${new URLSearchParams({ q: String(new FormData(search).get("q") ?? "") })}`;
  });
  mount(
    root,
    h("h1", {}, `CISA KEV — ${entries.length} vulnerabilities`),
    h(
      "div",
      { class: "charts" },
      chart(
        "bar",
        years,
        years.map((y) => byYear.get(y) ?? 0),
        "Additions per year",
      ),
      chart(
        "doughnut",
        ["known ransomware use", "not known"],
        [ransomware, entries.length - ransomware],
        "Ransomware share",
      ),
      chart(
        "bar",
        vendors.map(([v]) => v),
        vendors.map(([, n]) => n),
        "Top vendors",
      ),
    ),
    search,
    term
      ? h("p", { class: "count" }, `${shown.length} of ${entries.length} match "${query.get("q")}"`)
      : shown.length < entries.length &&
          h(
            "p",
            { class: "count" },
            `The ${shown.length} newest of ${entries.length}: search to find the others.`,
          ),
    table(
      shown,
      {
        CVE: (k) => link(`/kev/${encodeURIComponent(k.cve_id)}`, k.cve_id),
        vendor: (k) => k.vendor_project,
        product: (k) => k.product,
        added: (k) => k.date_added,
        due: (k) => k.due_date,
        ransomware: (k) => (k.ransomware_known ? "known" : "—"),
      },
      "No KEV entry matches this search.",
    ),
  );
}

/** One CVE with every change CISA made to it. */
export async function cveView(root: HTMLElement, cve: string): Promise<void> {
  mount(root, notice(`Loading ${cve}…`));
  const { data } = await get<{ data: ApiKev & { changes: ApiKevChange[] } }>(
    `/v1/kev/${encodeURIComponent(cve)}`,
  );
  mount(
    root,
    h("h1", {}, data.cve_id, " — ", data.vulnerability_name),
    h("p", {}, data.short_description),
    h(
      "dl",
      { class: "detail" },
      h("dt", {}, "vendor / product"),
      h("dd", {}, `${data.vendor_project} / ${data.product}`),
      h("dt", {}, "added / due"),
      h("dd", {}, `${data.date_added} / ${data.due_date}`),
      h("dt", {}, "ransomware"),
      h("dd", {}, data.known_ransomware_campaign_use),
      h("dt", {}, "CWEs"),
      h("dd", {}, data.cwes.join(", ") || "—"),
      h("dt", {}, "required action"),
      h("dd", {}, data.required_action),
    ),
    h(
      "p",
      {},
      link(`/graph?label=Vulnerability&key=${encodeURIComponent(data.cve_id)}`, "Open in the graph"),
    ),
    h("h2", {}, "History"),
    table(data.changes, {
      catalogue: (c) => c.catalog_version,
      released: (c) => when(c.catalog_released_at),
      change: (c) => c.change,
      field: (c) => c.field ?? "—",
      before: (c) => (c.change === "modified" ? JSON.stringify(c.before) : "—"),
      after: (c) => (c.change === "modified" ? JSON.stringify(c.after) : "—"),
      recorded: (c) => when(c.recorded_at),
    }),
  );
}
