/**
 * What an exercise cell calls in a notebook: `exercise.check(...)` compares
 * what the student's code produced with what the exercise asks for and, when
 * they differ, throws one line saying what was expected and what was got.
 * `exercise.yourCodeHere(id)` is the stub a released notebook throws where
 * the solution was. The grader (`actlab course grade`) scores an exercise by
 * whether its check cells ran without an error, so a check is a plain throw.
 *
 * @packageDocumentation
 */
import { inspect } from 'node:util';

/** A check that failed: the exercise, what was checked, what was expected and what was got. */
export class ExerciseCheckError extends Error {
  override name = 'ExerciseCheckError';
  constructor(
    readonly exercise: string,
    readonly what: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${exercise}: ${what}: expected ${expected}, got ${got}`);
  }
}

/** Thrown by a released notebook where the solution was, until the student writes it. */
export class YourCodeHereError extends Error {
  override name = 'YourCodeHereError';
  constructor(readonly exercise: string) {
    super(`${exercise}: your code here: replace this line with your solution (the exercise above says what it does)`);
  }
}

/**
 * The error a released notebook throws where the solution was:
 * `throw exercise.yourCodeHere('06-ex1');`.
 * @param id the exercise, `NN-exK`
 */
export function yourCodeHere(id: string): YourCodeHereError {
  return new YourCodeHereError(id);
}

const MATCHER = Symbol('actlab.exercise.matcher');

/** An expectation other than equality: see {@link near}, {@link within}, {@link satisfies}. */
export interface Matcher {
  readonly [MATCHER]: true;
  /** What is expected, in words, for the failure message. */
  readonly description: string;
  readonly test: (got: unknown) => boolean;
}

function matcher(description: string, test: (got: unknown) => boolean): Matcher {
  return { [MATCHER]: true, description, test };
}

function isMatcher(value: unknown): value is Matcher {
  return typeof value === 'object' && value !== null && MATCHER in value;
}

/** A number within `tolerance` of `value` (absolute). @default tolerance 1e-6 */
export function near(value: number, tolerance = 1e-6): Matcher {
  return matcher(
    `${show(value)} (± ${show(tolerance)})`,
    (got) => typeof got === 'number' && Math.abs(got - value) <= tolerance,
  );
}

/** A number from `low` to `high`, both included. */
export function within(low: number, high: number): Matcher {
  return matcher(
    `a number from ${show(low)} to ${show(high)}`,
    (got) => typeof got === 'number' && got >= low && got <= high,
  );
}

/**
 * Anything `predicate` accepts; `description` says what that is ("a positive
 * whole number"), for the failure message.
 */
export function satisfies<T>(description: string, predicate: (got: T) => boolean): Matcher {
  return matcher(description, (got) => {
    try {
      return predicate(got as T);
    } catch {
      return false;
    }
  });
}

/** Structural equality: same type, same keys, same values; numbers equal (NaN equals NaN). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([key, value]) => b.has(key) && deepEqual(value, b.get(key)));
  }
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((value) => b.has(value));
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

/** A value on one short line, as the failure message shows it. */
function show(value: unknown): string {
  return inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 12, maxStringLength: 200, compact: true });
}

/**
 * Checks that `got` is what exercise `id` asks for, and prints `✔ id: what`;
 * otherwise throws an {@link ExerciseCheckError} naming both:
 * `06-ex1: epochs trained: expected 30, got 3`.
 *
 * ```ts
 * exercise.check('01-ex3', 'meanOf(tf.ones([4, 4]))', meanOf(tf.ones([4, 4])), 1);
 * exercise.check('03-ex3', 'Kinetics-600 in GB', gigabytes, exercise.near(4214.8, 0.1));
 * ```
 * @param id the exercise, `NN-exK`
 * @param what what is checked, in a few words
 * @param got what the student's code produced
 * @param expected the value it should equal (structurally), or a {@link Matcher}
 */
export function check(id: string, what: string, got: unknown, expected: unknown): void {
  const passed = isMatcher(expected) ? expected.test(got) : deepEqual(got, expected);
  if (!passed)
    throw new ExerciseCheckError(id, what, isMatcher(expected) ? expected.description : show(expected), show(got));
  console.log(`✔ ${id}: ${what}`);
}
