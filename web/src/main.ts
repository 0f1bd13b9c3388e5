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
  // Each navigation draws into a slot of its own: a slower answer for the view the user has left writes
  // into a detached slot, never over the view shown now.
  const slot = document.createElement("div");
  view.replaceChildren(slot);
  const [path = "", search = ""] = location.hash.replace(/^#/, "").split("?");
  const query = new URLSearchParams(search);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", a.getAttribute("data-nav") === (parts[0] ?? "events"));
  }
  try {
    if (parts[0] === "events" && parts[1]) await eventView(slot, parts[1]);
    else if (parts[0] === "ips" && parts[1]) await ipView(slot, parts[1]);
    else if (parts[0] === "graph") await graphView(slot, query);
    else if (parts[0] === "kev" && parts[1]) await cveView(slot, parts[1]);
    else if (parts[0] === "kev") await kevView(slot, query);
    else if (parts[0] === "health") await healthView(slot);
    else await eventsView(slot, query);
  } catch (error) {
    const message =
      error instanceof ApiError && error.status === 404
        ? `Not found: ${error.message}`
        : (error as Error).message;
    mount(slot, notice(message, "error"));
  }
}

document.getElementById("forget-key")?.addEventListener("click", () => {
  forgetKey();
  void route();
});
window.addEventListener("hashchange", () => void route());
void route();
