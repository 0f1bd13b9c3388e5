import { ApiError, forgetKey } from "./api";
import { mount, notice } from "./dom";
import { eventsView, eventView } from "./views/events";
import { graphView } from "./views/graph";
import { healthView } from "./views/health";
import { ipView } from "./views/ip";
import { cveView, kevView } from "./views/kev";
import "./style.css";

const view = document.getElementById("view") as HTMLElement;

/** Hash routes: #/events, #/events/<id>, #/ips/<ip>, #/graph?label=&key=, #/kev, #/kev/<cve>, #/health. */
async function route(): Promise<void> {
  const [path = "", search = ""] = location.hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", a.getAttribute("data-nav") === (parts[0] ?? "events"));
  }
  try {
    if (parts[0] === "events" && parts[1]) await eventView(view, parts[1]);
    else if (parts[0] === "ips" && parts[1]) await ipView(view, parts[1]);
    else if (parts[0] === "graph") await graphView(view, query);
    else if (parts[0] === "kev" && parts[1]) await cveView(view, parts[1]);
    else if (parts[0] === "kev") await kevView(view, query);
    else if (parts[0] === "health") await healthView(view);
    else await eventsView(view, query);
  } catch (error) {
    const message =
      error instanceof ApiError && error.status === 404
        ? `Not found: ${error.message}`
        : (error as Error).message;
    mount(view, notice(message, "error"));
  }
}

document.getElementById("forget-key")?.addEventListener("click", () => {
  forgetKey();
  void route();
});
window.addEventListener("hashchange", () => void route());
void route();
