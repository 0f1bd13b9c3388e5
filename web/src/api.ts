declare global {
  interface Window {
    VIGIL_API_BASE?: string;
  }
}

const KEY = "vigil.apiKey";

/** An error the API answered, with its status and message (4xx messages name the field and the reason). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Asks for the API key once and keeps it for this tab's session (sessionStorage: gone when the tab is
 * closed, though a browser's session restore can bring it back; "Sign out" forgets it). A 401 asks again.
 * Closing the dialog without a key (Escape) ends the request with a 401 that says how to go on.
 */
function askForKey(problem?: string): Promise<string> {
  const dialog = document.getElementById("key-dialog") as HTMLDialogElement;
  const form = document.getElementById("key-form") as HTMLFormElement;
  const input = document.getElementById("key-input") as HTMLInputElement;
  const error = document.getElementById("key-error") as HTMLElement;
  error.hidden = !problem;
  error.textContent = problem ?? "";
  input.value = "";
  return new Promise((resolve, reject) => {
    const submit = (event: Event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      stop();
      dialog.close();
      sessionStorage.setItem(KEY, key);
      resolve(key);
    };
    const closed = () => {
      stop();
      reject(
        new ApiError(401, "No API key was given: reload the page, or open the view again, to enter one."),
      );
    };
    const stop = () => {
      form.removeEventListener("submit", submit);
      dialog.removeEventListener("close", closed);
    };
    form.addEventListener("submit", submit);
    dialog.addEventListener("close", closed);
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
  kept.clear();
}

/** Answers kept by `reused`, each with when it was asked for. Forgotten with the key. */
const kept = new Map<string, { at: number; answer: Promise<unknown> }>();

/**
 * `read()`'s answer, asked for once and reused for `maxAgeMs` under `name` (a read that fails is not kept,
 * so the next view asks again). Signing out forgets every kept answer: what the page shows after it is read
 * again, with the key then given.
 */
export function reused<T>(name: string, maxAgeMs: number, read: () => Promise<T>): Promise<T> {
  const found = kept.get(name);
  if (found && Date.now() - found.at < maxAgeMs) return found.answer as Promise<T>;
  const answer = read();
  kept.set(name, { at: Date.now(), answer });
  answer.catch(() => {
    if (kept.get(name)?.answer === answer) kept.delete(name);
  });
  return answer;
}

type Params = Record<string, string | number | boolean | null | undefined>;

/** GET an API path with query parameters (empty ones left out); JSON back, or an ApiError. */
export async function get<T>(path: string, params: Params = {}): Promise<T> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  // Not query.size: browsers before 2023 (Safari 16, Chrome 112) lack it, and would send no parameter.
  const search = query.toString();
  const url = `${window.VIGIL_API_BASE ?? ""}${path}${search ? `?${search}` : ""}`;
  let key = sessionStorage.getItem(KEY) ?? (await askForKey());
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { headers: { "x-api-key": key, accept: "application/json" } });
    if (response.status === 401 && attempt < 3) {
      forgetKey();
      key = await askForKey("That key was refused. Check it and try again.");
      continue;
    }
    const body = (await response.json().catch(() => null)) as {
      message?: string;
      error?: string;
      request_id?: string;
    } | null;
    if (!response.ok) {
      const message = body?.message ?? body?.error ?? `HTTP ${response.status}`;
      // A 5xx names its request: what to quote so that its log line can be found.
      throw new ApiError(
        response.status,
        body?.request_id ? `${message} (request ${body.request_id})` : message,
      );
    }
    return body as T;
  }
}
