type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | ((event: Event) => void) | undefined>;

/**
 * Builds an element. Text always goes in as text nodes, never as HTML: every value on this page comes from
 * threat feeds and logs, which are attacker-controlled by nature.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the content of `parent`. */
export function mount(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A table of rows; `columns` maps a header to the cell of a row. */
export function table<T>(
  rows: readonly T[],
  columns: Record<string, (row: T) => Child>,
  empty = "Nothing here yet.",
): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, ...Object.keys(columns).map((c) => h("th", {}, c)))),
    h(
      "tbody",
      {},
      ...rows.map((row) => h("tr", {}, ...Object.values(columns).map((cell) => h("td", {}, cell(row))))),
    ),
  );
}

/** A link inside the page (hash routes). */
export const link = (hash: string, text: Child, attrs: Attrs = {}) =>
  h("a", { href: `#${hash}`, ...attrs }, text);

export const when = (iso: string | null | undefined) =>
  iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : "—";

/**
 * A score to three decimals, rounded down: shown as 0.80, a 0.799 would look like it passes `min_score=0.8`,
 * which compares the stored value.
 */
export const score = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : String(Math.floor(value * 1000 + 1e-9) / 1000);

/** A count that may be unknown (a failed feed run has none): "—", not 0. */
export const count = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : value;

/** A message in place of a view: loading, an error, an empty result. */
export const notice = (text: string, kind: "info" | "error" = "info") =>
  h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
