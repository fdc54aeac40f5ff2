/**
 * Epoch counts for the worked solutions of the exercises
 * (`notebooks/solutions/*_solutions.ipynb`): the full count when a student
 * runs them, one epoch when the test suite does.
 */

/**
 * The epochs an exercise's solution trains for: `full`, or 1 when the
 * environment variable `ACTLAB_QUICK=1` is set. The test suite runs the
 * solutions notebooks with `ACTLAB_QUICK=1`, so that every training cell runs
 * (and must not fail) without each taking minutes; the numbers it prints then
 * show that the cells work, not what the model can learn.
 *
 * ```ts
 * await train.train(model, data, { epochs: notebook.exerciseEpochs(30), ... });
 * ```
 * @param full epochs of the real solution, a positive integer
 */
export function exerciseEpochs(full: number): number {
  if (!Number.isInteger(full) || full < 1) {
    throw new Error(`exerciseEpochs: full must be a positive whole number of epochs; got ${full}`);
  }
  return process.env.ACTLAB_QUICK === '1' ? 1 : full;
}
