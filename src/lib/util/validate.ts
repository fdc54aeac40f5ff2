/** The one check for counts and sizes given as options: one message shape everywhere. */

export interface WholeNumberCheck {
  /** Said after the message: why the minimum, or what to do. */
  readonly hint?: string;
  /** The error class a caller's users expect (e.g. the S3 commands' own). @default Error */
  readonly error?: new (message: string) => Error;
}

/**
 * Returns `value` when it is a whole number ≥ `min`, else throws
 * "`what` must be a whole number >= min, got value" (plus the hint).
 */
export function requireWholeNumber(what: string, value: number, min = 1, check: WholeNumberCheck = {}): number {
  if (!(Number.isSafeInteger(value) && value >= min)) {
    const ErrorClass = check.error ?? Error;
    throw new ErrorClass(
      `${what} must be a whole number >= ${min}, got ${value}${check.hint ? `; ${check.hint}` : ''}`,
    );
  }
  return value;
}
