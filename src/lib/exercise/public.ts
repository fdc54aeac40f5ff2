/**
 * Checks an exercise cell runs: `exercise.check(id, what, got, expected)`
 * says in one line what was expected and what was got, and
 * `exercise.yourCodeHere(id)` is what a released notebook throws where the
 * solution was. `actlab course grade` scores exercises by these checks.
 *
 * What the package root exports as `exercise`.
 *
 * @packageDocumentation
 */
export {
  check,
  ExerciseCheckError,
  type Matcher,
  near,
  satisfies,
  within,
  yourCodeHere,
  YourCodeHereError,
} from './check';
