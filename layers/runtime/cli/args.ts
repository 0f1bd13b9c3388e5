/**
 * A command-line count: `value` as a whole number ≥ 1, `fallback` when absent or empty.
 * @throws Error naming the argument (`name`), its value and what was expected.
 */
export function positiveWholeNumber(name: string, value: string | undefined, fallback: number): number {
  const n = value === undefined || value === "" ? fallback : Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${name} is "${value}"; expected a positive whole number`);
  return n;
}
