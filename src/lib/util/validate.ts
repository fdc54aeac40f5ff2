/** The one check for counts and sizes given as options: one message shape everywhere. */

/**
 * Returns `value` when it is a whole number ≥ `min`, else throws
 * "`what` must be a whole number >= min, got value" (plus `hint`, when given).
 */
export function requireWholeNumber(what: string, value: number, min = 1, hint?: string): number {
  if (!(Number.isSafeInteger(value) && value >= min)) {
    throw new Error(`${what} must be a whole number >= ${min}, got ${value}${hint ? `; ${hint}` : ''}`);
  }
  return value;
}
