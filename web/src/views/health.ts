import { get } from "../api";
import { count, h, mount, notice, table, when } from "../dom";
import type { Health, PipelineStatus } from "../types";

/** Pipeline health: the services, rows per table, the feeds' last runs, dead letters and consumer lag. */
export async function healthView(root: HTMLElement): Promise<void> {
  mount(root, notice("Loading the pipeline status…"));
  const [health, { data, meta }] = await Promise.all([
    // /health answers 503 with its checks when a service is down; no answer at all is said as such.
    fetch(`${window.VIGIL_API_BASE ?? ""}/health`)
      .then((r) => r.json() as Promise<Health>)
      .catch((error: Error) => ({ error: error.message })),
    get<PipelineStatus>("/v1/pipeline"),
  ]);
  const kafkaDown = meta.unavailable.includes("kafka");
  const postgresDown = meta.unavailable.includes("postgres");
  mount(
    root,
    ...("checks" in health
      ? [
          h("h1", {}, "Pipeline ", h("span", { class: `status ${health.status}` }, health.status)),
          table(health.checks, {
            service: (c) => c.name,
            ok: (c) => (c.ok ? "yes" : h("strong", { class: "error" }, c.error ?? "no")),
            "latency (ms)": (c) => c.latencyMs,
          }),
        ]
      : [h("h1", {}, "Pipeline"), notice(`/health did not answer: ${health.error}`, "error")]),
    postgresDown && notice("Postgres did not answer: feed runs and table sizes unknown.", "error"),
    kafkaDown && notice("Kafka did not answer: consumer lag and dead letters unknown.", "error"),
    h("h2", {}, "Feeds"),
    table(
      data.feeds,
      {
        feed: (f) => f.source,
        "last run": (f) => when(f.last_run.started_at),
        outcome: (f) => h("span", { class: `status ${f.last_run.outcome}` }, f.last_run.outcome),
        version: (f) => f.last_run.version ?? "—",
        "added / changed / removed": (f) =>
          `${count(f.last_run.added)} / ${count(f.last_run.changed)} / ${count(f.last_run.removed)}`,
        "last success": (f) => when(f.last_success?.started_at),
        error: (f) => f.last_run.error ?? "",
      },
      postgresDown ? "Unknown: Postgres did not answer." : "No feed has run yet.",
    ),
    h("h2", {}, "Consumers"),
    table(
      data.consumers,
      {
        function: (c) => c.function,
        topic: (c) => c.topic,
        group: (c) => c.group,
        lag: (c) => c.lag,
      },
      kafkaDown ? "Unknown: Kafka did not answer." : "No consumer group has committed yet.",
    ),
    h("h2", {}, "Dead letters"),
    table(
      data.dead_letters,
      {
        topic: (d) => d.topic,
        written: (d) => d.written,
        retained: (d) => d.retained,
      },
      kafkaDown ? "Unknown: Kafka did not answer." : "No dead letter.",
    ),
    h("h2", {}, "Tables"),
    table(
      data.tables,
      {
        table: (t) => t.table,
        rows: (t) => (t.exists ? `${t.estimated ? "≈ " : ""}${count(t.rows)}` : "not created yet"),
      },
      postgresDown ? "Unknown: Postgres did not answer." : "No table yet.",
    ),
  );
}
