import { get } from "../api";
import { h, mount, notice, table, when } from "../dom";
import type { Health, PipelineStatus } from "../types";

/** Pipeline health: the services, rows per table, the feeds' last runs, dead letters and consumer lag. */
export async function healthView(root: HTMLElement): Promise<void> {
  mount(root, notice("Loading the pipeline status…"));
  const health = (await fetch(`${window.VIGIL_API_BASE ?? ""}/health`).then((r) => r.json())) as Health;
  const { data } = await get<PipelineStatus>("/v1/pipeline");
  mount(
    root,
    h("h1", {}, "Pipeline ", h("span", { class: `status ${health.status}` }, health.status)),
    table(health.checks, {
      service: (c) => c.name,
      ok: (c) => (c.ok ? "yes" : h("strong", { class: "error" }, c.error ?? "no")),
      "latency (ms)": (c) => c.latencyMs,
    }),
    h("h2", {}, "Feeds"),
    table(
      data.feeds,
      {
        feed: (f) => f.source,
        "last run": (f) => when(f.last_run.started_at),
        outcome: (f) => h("span", { class: `status ${f.last_run.outcome}` }, f.last_run.outcome),
        version: (f) => f.last_run.version ?? "—",
        "added / changed / removed": (f) =>
          `${f.last_run.added ?? 0} / ${f.last_run.changed ?? 0} / ${f.last_run.removed ?? 0}`,
        "last success": (f) => when(f.last_success?.started_at),
        error: (f) => f.last_run.error ?? "",
      },
      "No feed has run yet.",
    ),
    h("h2", {}, "Consumers"),
    table(data.consumers, {
      function: (c) => c.function,
      topic: (c) => c.topic,
      group: (c) => c.group,
      lag: (c) => c.lag,
    }),
    h("h2", {}, "Dead letters"),
    table(data.dead_letters, {
      topic: (d) => d.topic,
      written: (d) => d.written,
      retained: (d) => d.retained,
    }),
    h("h2", {}, "Tables"),
    table(data.tables, {
      table: (t) => t.table,
      rows: (t) => (t.exists ? `${t.estimated ? "≈ " : ""}${t.rows ?? 0}` : "not created yet"),
    }),
  );
}
