/**
 * A number that is not a number is never reported as a result: training checks
 * the loss and the weights after every batch and stops at the first that is NaN
 * or infinite. The loss alone is not enough: categorical cross-entropy clips the
 * probabilities, so a model whose weights are all NaN still reports a finite
 * loss (−ln 1e-7 = 16.1181).
 */
import * as tf from '@tensorflow/tfjs';

export class NonFiniteTrainingError extends Error {
  override name = 'NonFiniteTrainingError';
  constructor(
    message: string,
    /** 0-based epoch and batch where it happened. */
    readonly epoch: number,
    readonly batch: number,
  ) {
    super(message);
  }
}

/**
 * True when every trainable weight is finite: one sum over all of them (a NaN or
 * an infinity anywhere makes it non-finite; finite float32 weights cannot sum to
 * infinity), read back as a single number.
 */
export function weightsAreFinite(model: tf.LayersModel): boolean {
  const weights = model.trainableWeights;
  if (weights.length === 0) return true;
  const total = tf.tidy(() => tf.addN(weights.map((w) => tf.sum(w.read()))));
  try {
    return Number.isFinite(total.dataSync()[0]!);
  } finally {
    total.dispose();
  }
}

/** What went non-finite after a batch, or undefined when the loss and the weights are finite. */
export function nonFiniteAfterBatch(model: tf.LayersModel, loss: number): string | undefined {
  if (!Number.isFinite(loss)) return `the loss became ${loss}`;
  return weightsAreFinite(model) ? undefined : 'the weights became NaN or infinite';
}

/** The error for the batch that went non-finite: where, the likely cause, the fix, and what was kept. */
export function nonFiniteError(
  what: string,
  epoch: number,
  batch: number,
  lastGoodEpoch: number | undefined,
  runDir: string | undefined,
): NonFiniteTrainingError {
  const kept =
    lastGoodEpoch === undefined
      ? 'No epoch had finished, so nothing was saved.'
      : runDir
        ? `The checkpoint of epoch ${lastGoodEpoch + 1} in ${runDir} is kept; nothing of epoch ${epoch + 1} was saved.`
        : `Nothing of epoch ${epoch + 1} is in the history.`;
  return new NonFiniteTrainingError(
    `train: stopped at epoch ${epoch + 1}, batch ${batch + 1}: ${what}. ` +
      'A learning rate too high for this model and data is the usual cause: lower it (10× is a good first step), ' +
      "or let the doctor's learning-rate range test suggest one (actlab doctor --model M --data CACHE). " +
      kept,
    epoch,
    batch,
  );
}
