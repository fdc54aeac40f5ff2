/**
 * How long one training step takes for a model at a given input size, on a
 * few batches of random data: what an epoch will cost before a cache exists
 * at that size. The weights it trains are thrown away with the model.
 */
import * as tf from '@tensorflow/tfjs';

import { requireWholeNumber } from '../util/validate';

export interface StepTimeOptions {
  readonly batchSize: number;
  /** Timed steps. @default 2 */
  readonly steps?: number;
  /** Untimed steps first (the first step allocates and compiles). @default 1 */
  readonly warmup?: number;
  /** @default 1 */
  readonly seed?: number;
}

export interface StepTime {
  /** `[B, ...input]` of the timed batches. */
  readonly batchShape: readonly number[];
  readonly secondsPerStep: number;
  readonly samplesPerSecond: number;
}

/**
 * Trains `model` (compiled here with Adam and cross-entropy) for
 * `warmup + steps` batches of random inputs and labels shaped as the model
 * expects, and times the last `steps`. Leaves no tensors behind but the
 * model's weights.
 */
export async function timeTrainingSteps(model: tf.LayersModel, options: StepTimeOptions): Promise<StepTime> {
  const batchSize = requireWholeNumber('timeTrainingSteps: batchSize', options.batchSize);
  const steps = requireWholeNumber('timeTrainingSteps: steps', options.steps ?? 2);
  const warmup = requireWholeNumber('timeTrainingSteps: warmup', options.warmup ?? 1, 0);
  const input = model.inputs[0]!.shape.slice(1);
  const classes = model.outputs[0]!.shape[1];
  if (input.some((d) => d === null) || typeof classes !== 'number')
    throw new Error(
      `timeTrainingSteps: model "${model.name}" needs a fixed input shape, got [${model.inputs[0]!.shape}]`,
    );
  const batchShape = [batchSize, ...(input as number[])];
  const seed = options.seed ?? 1;
  const xs = tf.randomNormal(batchShape, 0, 1, 'float32', seed);
  const ys = tf.tidy(() => tf.oneHot(tf.randomUniform([batchSize], 0, classes, 'int32', seed + 1), classes));
  const optimizer = tf.train.adam(1e-3);
  model.compile({ optimizer: optimizer, loss: 'categoricalCrossentropy' });
  try {
    for (let i = 0; i < warmup; i++) await model.trainOnBatch(xs, ys);
    const start = performance.now();
    for (let i = 0; i < steps; i++) await model.trainOnBatch(xs, ys);
    const secondsPerStep = (performance.now() - start) / 1000 / steps;
    return { batchShape, secondsPerStep, samplesPerSecond: batchSize / secondsPerStep };
  } finally {
    tf.dispose([xs, ys]);
    optimizer.dispose(); // its moment slots; the model, thrown away next, does not own it
  }
}
