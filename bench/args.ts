import { positiveWholeNumber } from "../layers/runtime/cli/args";

/**
 * The bench's positional argument `index` (`what` it is) as a whole number ≥ 1, `fallback` when absent; on
 * anything else, the message naming it, the `usage` line, and exit 2.
 */
export function countArgument(index: number, what: string, fallback: number, usage: string): number {
  try {
    return positiveWholeNumber(`${what} (argument ${index - 1})`, process.argv[index], fallback);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
}
