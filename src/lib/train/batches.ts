/**
 * What `train` does with the batches it is given: checks the first against the
 * model, turns sparse labels into what tfjs's losses take, and follows the
 * epochs by number when the dataset can give them (a clip pipeline's can).
 */
import * as tf from '@tensorflow/tfjs';

import { labelsAreSparse } from '../pipeline/labels';
import { checkInputShape, ShapeMismatchError } from '../pipeline/shape-check';

/**
 * A batch for training: `xs` clips [B,T,H,W,C] or frames [B,H,W,C] (float32,
 * normalised); `ys` one-hot [B,numClasses] (float32) or sparse class indices
 * [B] / [B,1]. tf.data disposes each batch after the step.
 */
export type Batch = {
  xs: tf.Tensor;
  ys: tf.Tensor;
};

/** Accuracy for one-hot or sparse labels, named `acc` so logs read `acc` / `val_acc`. */
export function accuracyMetric(sparse: boolean) {
  const acc = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const truth = sparse ? tf.reshape(tf.cast(yTrue, 'int32'), [-1]) : tf.argMax(yTrue, -1);
      return tf.cast(tf.equal(tf.argMax(yPred, -1), truth), 'float32');
    });
  return acc;
}

/** What the first batch says about the data: its shapes and whether labels are sparse. */
export interface FirstBatch {
  readonly sparse: boolean;
  readonly xsShape: number[];
  readonly ysShape: number[];
}

/** Reads the first batch to check it against the model. */
export async function inspectFirstBatch(model: tf.LayersModel, data: tf.data.Dataset<Batch>): Promise<FirstBatch> {
  const iterator = await data.take(1).iterator();
  const first = await iterator.next();
  if (first.done) throw new Error('train: the dataset is empty');
  const { xs, ys } = first.value;
  try {
    try {
      checkInputShape(model, xs.shape.slice(1));
    } catch (error) {
      throw new ShapeMismatchError(
        `train: model "${model.name}" and batches xs [${xs.shape}] disagree: ${(error as Error).message}`,
      );
    }
    const numClasses = model.outputs[0]!.shape[1];
    const sparse = labelsAreSparse(ys, numClasses ?? undefined);
    if (!sparse && ys.shape[ys.rank - 1] !== numClasses) {
      throw new Error(
        `train: labels ys are [${ys.shape}] but the model predicts ${numClasses} classes; one-hot labels must be [B,${numClasses}] (or pass sparse class indices [B])`,
      );
    }
    if (ys.shape[0] !== xs.shape[0]) throw new Error(`train: xs has ${xs.shape[0]} samples but ys has ${ys.shape[0]}`);
    return { sparse, xsShape: xs.shape, ysShape: ys.shape };
  } finally {
    tf.dispose([xs, ys]);
  }
}

/** `data.forEpoch` when the dataset has one (a clip pipeline's `toTfDataset()` does): see `EpochDataset`. */
export function epochsOf(data: tf.data.Dataset<Batch>): ((epoch: number) => tf.data.Dataset<Batch>) | undefined {
  const forEpoch = (data as { forEpoch?: unknown }).forEpoch;
  return typeof forEpoch === 'function'
    ? (epoch) => (forEpoch as (n: number) => tf.data.Dataset<Batch>).call(data, epoch)
    : undefined;
}

/**
 * The batches of the epoch fitDataset is in (`current()`, read when it first
 * pulls, after onEpochBegin). With `batchesPerEpoch` fitDataset keeps one
 * iterator for the whole run, so the epochs follow each other in it.
 */
export function followEpochs(
  forEpoch: (epoch: number) => tf.data.Dataset<Batch>,
  current: () => number,
  options: { readonly batchesPerEpoch?: number },
  onWait?: (milliseconds: number) => void,
): tf.data.Dataset<Batch> {
  const oneIteratorForAll = options.batchesPerEpoch !== undefined;
  // Time spent inside next() is time the training step waited for data: the pipeline's stall.
  const timed = async (iterator: { next(): Promise<IteratorResult<Batch>> }) => {
    const start = performance.now();
    const next = await iterator.next();
    onWait?.(performance.now() - start);
    return next;
  };
  return tf.data.generator(async function* () {
    for (let epoch = current(); ; epoch++) {
      const iterator = await forEpoch(epoch).iterator();
      for (let next = await timed(iterator); !next.done; next = await timed(iterator)) yield next.value;
      if (!oneIteratorForAll) return;
    }
  });
}

/**
 * tfjs's sparse cross-entropy needs float labels, and class weights need
 * [B,1]: sparse ys become float32 [B,1] (tf.data disposes the originals).
 */
export function prepareLabels(data: tf.data.Dataset<Batch>, sparse: boolean): tf.data.Dataset<Batch> {
  if (!sparse) return data;
  return data.map(({ xs, ys }) => ({ xs, ys: tf.reshape(tf.cast(ys, 'float32'), [-1, 1]) })) as tf.data.Dataset<Batch>;
}
