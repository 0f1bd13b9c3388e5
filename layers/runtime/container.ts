/**
 * What a Lambda container keeps between invocations: each client, and each set of adapters over it, built
 * on first use and then reused (Lambda keeps module state while the container is warm).
 *
 * Each client has its own module, and package.json declares the project free of import side effects, so a
 * function's bundle holds the libraries of the clients its handler reaches and no others: the events list
 * loads no Neo4j driver, Kafka client or S3 SDK at its cold start (a third of a second of a full bundle's
 * import). Mark each top-level `perContainer` call with esbuild's pure-call comment (`@__PURE__`), so that
 * a bundle whose handler never calls the accessor drops it and what it imports.
 */

interface Opened {
  drop(): Promise<void>;
}
const opened = new Set<Opened>();

/**
 * An accessor of the container's one `T`, made by `create` on first call. `close` releases it when
 * `closeContainer` runs; the next call then makes a new one.
 */
export function perContainer<T>(create: () => T, close?: (value: T) => unknown): () => T {
  let held: { value: T } | undefined;
  const entry: Opened = {
    async drop() {
      const was = held;
      held = undefined;
      if (was && close) await close(was.value);
    },
  };
  return () => {
    if (held === undefined) {
      held = { value: create() };
      opened.add(entry);
    }
    return held.value;
  };
}

/**
 * Closes every client the container opened and forgets every adapter built over them (scripts, tests and
 * `serverless invoke local`; a Lambda container is frozen, never closed). A failure to close one does
 * not keep the others open.
 */
export async function closeContainer(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.allSettled(all.map((entry) => entry.drop()));
}
