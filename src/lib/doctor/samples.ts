/** What the doctor works on: a few batches gathered into one tensor, and throwaway copies of the model. */
import * as tf from '@tensorflow/tfjs';

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

export async function gatherSample(
  data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>,
  maxSamples: number,
): Promise<Sample> {
  const parts: tf.Tensor[] = [];
  const labels: number[] = [];
  let firstBatchLabels: number[] | undefined;
  const iterator = await data.iterator();
  while (labels.length < maxSamples) {
    const next = await iterator.next();
    if (next.done) break;
    const { xs, ys } = next.value;
    const batchLabels = tf
      .tidy(() => Array.from((ys.rank === 2 && ys.shape[1]! > 1 ? tf.argMax(ys, -1) : tf.reshape(ys, [-1])).dataSync()))
      .map(Math.round);
    firstBatchLabels ??= batchLabels;
    const take = Math.min(batchLabels.length, maxSamples - labels.length);
    parts.push(take === xs.shape[0] ? tf.cast(xs, 'float32') : tf.slice(tf.cast(xs, 'float32'), 0, take));
    labels.push(...batchLabels.slice(0, take));
    tf.dispose([xs, ys]);
  }
  if (parts.length === 0) throw new Error('diagnose: the dataset is empty');
  const xs = tf.concat(parts, 0);
  tf.dispose(parts);
  return { xs, labels, firstBatchLabels: firstBatchLabels ?? [] };
}

/** An independent copy of `model` with the same weights (training it leaves `model` untouched). */
export async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved!));
}

/** Mean cross-entropy of `model` on (xs, labels) in inference mode. */
export function crossEntropy(
  model: tf.LayersModel,
  xs: tf.Tensor,
  labels: readonly number[],
  numClasses: number,
): number {
  return tf.tidy(() => {
    const probs = model.predict(xs) as tf.Tensor;
    const y = tf.oneHot(tf.tensor1d([...labels], 'int32'), numClasses);
    return tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(probs, 1e-7, 1))).dataSync()[0]!;
  });
}

/** Accuracy of `model` on (xs, labels) in inference mode. */
export function accuracy(model: tf.LayersModel, xs: tf.Tensor, labels: readonly number[]): number {
  return tf.tidy(() => {
    const predicted = tf.argMax(model.predict(xs) as tf.Tensor, -1).dataSync();
    return labels.filter((l, i) => predicted[i] === l).length / labels.length;
  });
}

/** Trains a copy of `model` on (xs, labels) for `steps` full-batch steps; returns the copy and the losses. */
export async function trainCopy(
  model: tf.LayersModel,
  xs: tf.Tensor,
  labels: readonly number[],
  numClasses: number,
  steps: number,
  optimizer: tf.Optimizer,
): Promise<{ copy: tf.LayersModel; losses: number[] }> {
  const copy = await cloneModel(model);
  copy.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d([...labels], 'int32'), numClasses));
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = (await copy.trainOnBatch(xs, ys)) as number;
    losses.push(loss);
    if (!Number.isFinite(loss)) break;
  }
  ys.dispose();
  return { copy, losses };
}
