/** What the doctor works on: a few batches gathered into one tensor, and throwaway training copies of the model. */
import * as tf from '@tensorflow/tfjs';

import { classIndices } from '../pipeline/labels';
import { disposeOptimizer } from '../train/optimizers';
import { createRng } from '../util/random';

/**
 * Up to `maxSamples` samples of a dataset: `xs` [N,...] float32 and their
 * class indices. The caller disposes `xs`.
 */
export interface Sample {
  readonly xs: tf.Tensor;
  readonly labels: number[];
  /** Labels of the first batch only (to spot unshuffled data). */
  readonly firstBatchLabels: number[];
}

/**
 * Reads batches of `{xs, ys}` (ys one-hot [B,C] or class indices [B]) until
 * `maxSamples` samples are in. Every batch it pulls is disposed here, also
 * when a later batch fails (e.g. has another shape).
 */
export async function gatherSample(
  data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>,
  maxSamples: number,
): Promise<Sample> {
  const parts: tf.Tensor[] = [];
  const labels: number[] = [];
  let firstBatchLabels: number[] | undefined;
  try {
    const iterator = await data.iterator();
    while (labels.length < maxSamples) {
      const next = await iterator.next();
      if (next.done) break;
      const { xs, ys } = next.value;
      try {
        const batchLabels = classIndices(ys);
        firstBatchLabels ??= batchLabels;
        const take = Math.min(batchLabels.length, maxSamples - labels.length);
        parts.push(tf.tidy(() => tf.slice(tf.cast(xs, 'float32'), 0, take)));
        labels.push(...batchLabels.slice(0, take));
      } finally {
        tf.dispose([xs, ys]);
      }
    }
    if (parts.length === 0) throw new Error('diagnose: the dataset is empty');
    return { xs: tf.concat(parts, 0), labels, firstBatchLabels: firstBatchLabels ?? [] };
  } finally {
    tf.dispose(parts);
  }
}

/** Layer classes whose config the training copy changes, and how. */
const DROPOUT_CLASSES = new Set(['Dropout', 'SpatialDropout1D', 'GaussianDropout', 'AlphaDropout', 'GaussianNoise']);
const BATCH_NORM_CLASSES = new Set(['BatchNormalization', 'ActlabChannelBatchNorm']);

/**
 * Walks a Keras topology JSON and, in every layer config (nested models
 * included): sets dropout and noise rates to 0, and batch-norm momentum to 0.
 */
function forProbing(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(forProbing);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  const config = record['config'] as Record<string, unknown> | undefined;
  const className = record['class_name'];
  if (typeof className === 'string' && config && typeof config === 'object') {
    if (DROPOUT_CLASSES.has(className)) {
      if ('rate' in config) config['rate'] = 0;
      if ('stddev' in config) config['stddev'] = 0;
    }
    if (BATCH_NORM_CLASSES.has(className)) config['momentum'] = 0;
  }
  for (const value of Object.values(record)) forProbing(value);
}

/**
 * An independent copy of `model` with the same weights, made to be trained
 * for a few steps and then read (training it leaves `model` untouched):
 * - dropout (and Gaussian noise) is off, so memorising a batch is possible
 *   and the training loss is the loss of the model the doctor evaluates;
 * - batch norm keeps the statistics of the last batch it saw instead of a
 *   slow moving average (momentum 0): after a few dozen steps the average
 *   still holds the initial 0/1, and inference-mode outputs would be garbage.
 *   {@link refreshBatchStats} makes them the statistics of a given batch.
 * Custom layers with their own dropout are copied as they are.
 */
export async function trainingCopy(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  forProbing(saved!.modelTopology);
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}

/** Samples per forward pass when the doctor runs a model on many samples. */
const CHUNK = 32;

/**
 * One training-mode forward pass of the first 32 samples of `xs` through a
 * {@link trainingCopy}: its batch norms now hold their statistics (per
 * channel, over 32 clips' positions: plenty for a mean and a variance).
 */
export function refreshBatchStats(copy: tf.LayersModel, xs: tf.Tensor): void {
  tf.tidy(() => {
    copy.apply(tf.slice(xs, 0, Math.min(CHUNK, xs.shape[0]!)), { training: true });
  });
}

/** `model`'s inference-mode output for `xs` [N,...], 32 samples per pass so big samples fit in memory. */
function predictChunked(model: tf.LayersModel, xs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = xs.shape[0]!;
    if (n <= CHUNK) return model.predict(xs) as tf.Tensor;
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < n; i += CHUNK) parts.push(model.predict(tf.slice(xs, i, Math.min(CHUNK, n - i))) as tf.Tensor);
    return tf.concat(parts, 0);
  });
}

/**
 * Whether `model` still looks as its builder made it: every rank-1 weight
 * (biases, batch-norm scales, shifts and statistics) holds one value in all
 * its entries, as constant initialisers leave them; the first training step
 * moves them apart. A model without rank-1 weights counts as fresh.
 */
export function looksFresh(model: tf.LayersModel): boolean {
  return model.weights.every(
    (w) =>
      w.shape.length !== 1 ||
      tf.tidy(() => {
        const v = w.read();
        return tf.max(v).dataSync()[0] === tf.min(v).dataSync()[0];
      }),
  );
}

/** Mean cross-entropy of `model` on (xs, labels) in inference mode. */
export function crossEntropy(
  model: tf.LayersModel,
  xs: tf.Tensor,
  labels: readonly number[],
  numClasses: number,
): number {
  return tf.tidy(() => {
    const probs = predictChunked(model, xs);
    const y = tf.oneHot(tf.tensor1d([...labels], 'int32'), numClasses);
    return tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(probs, 1e-7, 1))).dataSync()[0]!;
  });
}

/** Predicted class per sample of `model` on `xs`, in inference mode. */
export function predictClasses(model: tf.LayersModel, xs: tf.Tensor): number[] {
  return tf.tidy(() => Array.from(tf.argMax(predictChunked(model, xs), -1).dataSync()));
}

/** Accuracy of `model` on (xs, labels) in inference mode. */
export function accuracy(model: tf.LayersModel, xs: tf.Tensor, labels: readonly number[]): number {
  const predicted = predictClasses(model, xs);
  return labels.filter((l, i) => predicted[i] === l).length / labels.length;
}

export interface TrainCopyOptions {
  readonly steps: number;
  readonly optimizer: tf.Optimizer;
  /** Samples per step; the whole of `xs` when it holds fewer. @default all (full batch) */
  readonly batchSize?: number;
  /** Seeds the order of the mini-batches. @default 0 */
  readonly seed?: number;
  /** Stop once a step's training loss falls below this. @default never */
  readonly stopBelow?: number;
  /** Every this many steps, `until` is asked (after refreshing the batch statistics). @default never */
  readonly every?: number;
  /** Stop when it returns true; gets the copy and the steps done. */
  readonly until?: (copy: tf.LayersModel, steps: number) => boolean;
  /** Throws its reason before the next step once it aborts. @default none */
  readonly signal?: AbortSignal;
}

/**
 * Trains a {@link trainingCopy} of `model` on (xs, labels): `steps` steps
 * over mini-batches of a seeded reshuffle (stopping early at a non-finite
 * loss, below `stopBelow`, or when `until` says so), then refreshes its
 * batch statistics on `xs`. Returns the copy (the caller disposes it) and the training loss of
 * every step. On a throw the copy is disposed here.
 */
export async function trainCopy(
  model: tf.LayersModel,
  xs: tf.Tensor,
  labels: readonly number[],
  numClasses: number,
  options: TrainCopyOptions,
): Promise<{ copy: tf.LayersModel; losses: number[] }> {
  const n = labels.length;
  const batchSize = Math.min(options.batchSize ?? n, n);
  const rng = createRng(options.seed ?? 0);
  const copy = await trainingCopy(model);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d([...labels], 'int32'), numClasses));
  try {
    copy.compile({ optimizer: options.optimizer, loss: 'categoricalCrossentropy' });
    const losses: number[] = [];
    let order: number[] = [];
    for (let s = 0; s < options.steps; s++) {
      options.signal?.throwIfAborted();
      let loss: number;
      if (batchSize === n) {
        loss = (await copy.trainOnBatch(xs, ys)) as number;
      } else {
        if (order.length < batchSize) order = [...order, ...rng.shuffle([...Array(n).keys()])];
        const index = tf.tensor1d(order.splice(0, batchSize), 'int32');
        const [x, y] = [tf.gather(xs, index), tf.gather(ys, index)];
        try {
          loss = (await copy.trainOnBatch(x, y)) as number;
        } finally {
          tf.dispose([index, x, y]);
        }
      }
      losses.push(loss);
      if (!Number.isFinite(loss) || loss < (options.stopBelow ?? -Infinity)) break;
      if (options.until && options.every && (s + 1) % options.every === 0 && s + 1 < options.steps) {
        refreshBatchStats(copy, xs);
        if (options.until(copy, s + 1)) break;
      }
    }
    refreshBatchStats(copy, xs);
    return { copy, losses };
  } catch (error) {
    copy.dispose();
    throw error;
  } finally {
    ys.dispose();
  }
}

/** Runs `use` on a trained copy (see {@link trainCopy}) and disposes the copy and the optimizer, also on a throw. */
export async function withTrainedCopy<T>(
  model: tf.LayersModel,
  xs: tf.Tensor,
  labels: readonly number[],
  numClasses: number,
  options: TrainCopyOptions,
  use: (copy: tf.LayersModel, losses: number[]) => T,
): Promise<T> {
  try {
    const { copy, losses } = await trainCopy(model, xs, labels, numClasses, options);
    try {
      return use(copy, losses);
    } finally {
      copy.dispose();
    }
  } finally {
    disposeOptimizer(options.optimizer);
  }
}
