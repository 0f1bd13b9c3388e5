import { withDeadline } from "./deadline";

/** One dependency's state as the health route reports it. */
export interface DependencyCheck {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export type DependencyProbe = () => Promise<void>;

/**
 * Runs every probe concurrently with a deadline, so one hung dependency cannot hang the route.
 * @returns one check per probe, in the order given.
 */
export async function checkDependencies(
  probes: Record<string, DependencyProbe>,
  timeoutMs = 2_000,
): Promise<DependencyCheck[]> {
  return Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      const started = performance.now();
      try {
        await withDeadline(probe(), timeoutMs);
        return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { name, ok: false, latencyMs: Math.round(performance.now() - started), error: message };
      }
    }),
  );
}
