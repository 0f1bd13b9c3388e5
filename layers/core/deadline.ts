/**
 * What `work` settles to, or a rejection ("no answer within N ms") once `ms` have passed, so one hung
 * dependency cannot hang a route. The work itself is not stopped: its own timeouts end it.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
