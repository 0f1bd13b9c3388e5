import { get } from "../api";
import { h, link, mount, notice, score, table, when } from "../dom";
import type { ApiEvent, IpPivot, Page } from "../types";

/** One IP: the threat events aimed at it, the malicious URLs it hosts, log sightings and KEV context. */
export async function ipView(root: HTMLElement, ip: string): Promise<void> {
  mount(root, notice(`Loading ${ip}…`));
  const { data, meta } = await get<IpPivot>(`/v1/ips/${encodeURIComponent(ip)}`);
  mount(
    root,
    h("h1", {}, "IP ", h("code", {}, data.ip)),
    h("p", {}, link(`/graph?label=IPAddress&key=${encodeURIComponent(data.ip)}`, "Open in the graph")),
    eventPages(data.ip, data.events, meta.events),
    heading("URLs hosted on it", meta.urls.count, meta.urls.count === meta.urls.limit),
    h(
      "div",
      { "data-testid": "hosted-urls" },
      table(
        data.urls,
        {
          url: (u) => h("code", {}, u.url),
          status: (u) => h("span", { class: `status ${u.url_status}` }, u.url_status),
          threat: (u) => u.threat ?? "—",
          tags: (u) => u.tags.join(", ") || "—",
          added: (u) => when(u.date_added),
          // Built from the id (digits), not the feed's urlhaus_link: a row's link could point anywhere.
          URLhaus: (u) =>
            h(
              "a",
              {
                href: `https://urlhaus.abuse.ch/url/${encodeURIComponent(u.urlhaus_id)}/`,
                rel: "noreferrer",
                target: "_blank",
              },
              u.urlhaus_id,
            ),
        },
        "URLhaus lists no URL on this IP.",
      ),
    ),
    heading("Security-log sightings", meta.sightings.count, meta.sightings.count === meta.sightings.limit),
    meta.sightings.available
      ? table(data.sightings, {
          time: (s) => when(String(s.event_time ?? s.ts ?? "")),
          host: (s) => String(s.host ?? "—"),
          event: (s) => String(s.event_id ?? s.event_code ?? "—"),
          image: (s) => String(s.process_image ?? "—"),
        })
      : notice(meta.sightings.reason ?? "Security logs are not available."),
    h("h2", {}, `KEV context (${data.kev.length})`),
    table(
      data.kev,
      {
        CVE: (k) => link(`/kev/${encodeURIComponent(k.cve_id)}`, k.cve_id),
        vendor: (k) => k.vendor_project,
        product: (k) => k.product,
        ransomware: (k) => (k.ransomware_known ? "known" : "—"),
      },
      "No KEV entry is linked to this IP.",
    ),
  );
}

/**
 * The events part, one page at a time: "Older events" asks the events list for the IP's next page, which
 * the pivot's cursor continues (asking the pivot again would read its URLs and sightings again too).
 */
function eventPages(ip: string, first: ApiEvent[], meta: IpPivot["meta"]["events"]): HTMLElement {
  const section = h("section", { "data-testid": "ip-events" });
  const show = (events: ApiEvent[], cursor: string | null, newest: boolean) => {
    const more = cursor
      ? h(
          "button",
          {
            type: "button",
            onclick: () =>
              void get<Page<ApiEvent>>("/v1/events", { ip, limit: meta.limit, cursor })
                .then((next) => show(next.data, next.meta.next_cursor, false))
                .catch((error: Error) => mount(section, notice(error.message, "error"))),
          },
          "Older events",
        )
      : null;
    mount(
      section,
      newest
        ? heading("Threat events targeting it", events.length, cursor !== null)
        : h("h2", {}, `Threat events targeting it (${events.length} older)`),
      table(events, {
        time: (e) => when(e.ts),
        actor: (e) => e.actor ?? "—",
        tactic: (e) => e.tactic ?? "—",
        score: (e) => score(e.score),
        event: (e) => link(`/events/${encodeURIComponent(e.event_id)}`, e.event_id),
      }),
      more,
    );
  };
  show(first, meta.next_cursor, true);
  return section;
}

/** A part's heading with the rows it shows: "(20, the newest)" when the IP may have more than one page. */
const heading = (title: string, count: number, more: boolean) =>
  h("h2", {}, `${title} (${more ? `${count}, the newest` : count})`);
