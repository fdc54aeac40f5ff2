/** A small frame-level 2D CNN, video-level prediction by averaging frames, and transfer from a local backbone. */
import * as tf from '@tensorflow/tfjs';

import { ChannelBatchNorm } from '../layers';
import { fileIO } from './file-io';
import { validateInputShape, checkPositiveInt, checkRate, seedWeights } from './shape';

export interface Cnn2dOptions {
  /** One frame without the batch axis, channels-last: [H,W,C] (float32, normalised). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Filters of the first conv block; each later block doubles them. @default 16 */
  readonly width?: number;
  /** Conv blocks (conv3×3 → [BN] → ReLU → maxpool 2); each halves H and W. @default 3 */
  readonly depth?: number;
  /** Batch norm after each convolution. @default true */
  readonly batchNorm?: boolean;
  /** Dropout before the classifier. @default 0.25 */
  readonly dropout?: number;
  /** Seeds the initial weights. @default undefined (tfjs random) */
  readonly seed?: number;
}

/**
 * Frame classifier: `depth` × (conv3×3 → BN → ReLU → maxpool2) → global
 * average pool → dropout → dense softmax. Input [N,H,W,C] float32 → [N,numClasses].
 * It sees one frame, so it cannot tell classes that differ only by motion.
 */
export function cnn2d(options: Cnn2dOptions): tf.Sequential {
  const depth = checkPositiveInt('cnn2d', 'depth', options.depth ?? 3);
  const width = checkPositiveInt('cnn2d', 'width', options.width ?? 16);
  const inputShape = validateInputShape('cnn2d', options.inputShape, 'frame', [2 ** depth, 2 ** depth]);
  const numClasses = checkPositiveInt('cnn2d', 'numClasses', options.numClasses);
  const dropout = checkRate('cnn2d', 'dropout', options.dropout ?? 0.25);
  const batchNorm = options.batchNorm ?? true;
  const model = tf.sequential({ name: 'cnn2d' });
  model.add(tf.layers.inputLayer({ inputShape }));
  for (let b = 0; b < depth; b++) {
    const name = `block${b + 1}`;
    model.add(
      tf.layers.conv2d({
        name: `${name}_conv`,
        filters: width * 2 ** b,
        kernelSize: 3,
        padding: 'same',
        useBias: !batchNorm,
      }),
    );
    // actlab's batch norm, as in the 3D models: tfjs's own gradient tiles the scale to the
    // whole activation, which on wasm took 55% of a 64×64 training step.
    if (batchNorm) model.add(new ChannelBatchNorm({ name: `${name}_bn` }));
    model.add(tf.layers.reLU({ name: `${name}_relu` }));
    model.add(tf.layers.maxPooling2d({ name: `${name}_pool`, poolSize: 2 }));
  }
  model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
  if (dropout > 0) model.add(tf.layers.dropout({ name: 'dropout', rate: dropout }));
  model.add(tf.layers.dense({ name: 'classifier', units: numClasses, activation: 'softmax' }));
  if (options.seed !== undefined) seedWeights(model, options.seed);
  return model;
}

/**
 * Video-level prediction from a frame model: every frame of every clip is
 * classified and the frame probabilities averaged per clip.
 * `clips` [N,T,H,W,C] float32 → [N,numClasses] probabilities (caller disposes
 * the result; `clips` is not disposed).
 */
export function predictVideo(frameModel: tf.LayersModel, clips: tf.Tensor, batchSize = 64): tf.Tensor2D {
  if (clips.rank !== 5) {
    throw new Error(
      `predictVideo: clips must be [N,T,H,W,C]; got [${clips.shape}]. Fix: add a batch axis with clips.expandDims(0).`,
    );
  }
  return tf.tidy(() => {
    const [n, t, h, w, c] = clips.shape as [number, number, number, number, number];
    const frames = tf.reshape(clips, [n * t, h, w, c]);
    const probs = frameModel.predict(frames, { batchSize }) as tf.Tensor2D;
    return tf.mean(tf.reshape(probs, [n, t, -1]), 1) as tf.Tensor2D;
  });
}

export interface TransferOptions {
  /** Path to a `model.json` saved with tfjs (e.g. `model.save(train.fileIO(dir))`), or its folder. */
  readonly backbonePath: string;
  readonly numClasses: number;
  /** Layer whose output feeds the new head. @default the layer before the last */
  readonly cutAt?: string;
  /** Keep the backbone's weights fixed (train only the head). @default true */
  readonly freeze?: boolean;
  /** Dropout before the new classifier. @default 0.5 */
  readonly dropout?: number;
}

/**
 * Backbone + new head for transfer learning: loads a tfjs model from a local
 * path (no download), cuts it at `cutAt`, global-average-pools the features
 * if they are still spatial ([N,H,W,C] or [N,T,H,W,C]) and adds dropout →
 * dense softmax with `numClasses`. Input is the backbone's input.
 */
export async function transferModel(options: TransferOptions): Promise<tf.LayersModel> {
  const numClasses = checkPositiveInt('transferModel', 'numClasses', options.numClasses);
  const backbone = await tf.loadLayersModel(fileIO(options.backbonePath));
  const layers = backbone.layers;
  const cut = options.cutAt ? backbone.getLayer(options.cutAt) : layers[layers.length - 2];
  if (!cut) throw new Error(`transferModel: the backbone at ${options.backbonePath} has no layer to cut at`);
  if (options.freeze ?? true) for (const layer of backbone.layers) layer.trainable = false;
  let features = cut.output as tf.SymbolicTensor;
  if (features.rank === 4) features = tf.layers.globalAveragePooling2d({}).apply(features) as tf.SymbolicTensor;
  if (features.rank === 5) {
    // Average over T, H and W: reshape to [N, T·H·W, C] and pool 1-D.
    const [, t, h, w, c] = features.shape as number[];
    features = tf.layers.reshape({ targetShape: [t! * h! * w!, c!] }).apply(features) as tf.SymbolicTensor;
    features = tf.layers.globalAveragePooling1d({}).apply(features) as tf.SymbolicTensor;
  }
  if (features.rank !== 2) throw new Error(`transferModel: cannot pool features of shape [${features.shape}]`);
  const dropout = checkRate('transferModel', 'dropout', options.dropout ?? 0.5);
  if (dropout > 0) features = tf.layers.dropout({ rate: dropout }).apply(features) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ name: 'new_head', units: numClasses, activation: 'softmax' })
    .apply(features) as tf.SymbolicTensor;
  return tf.model({ name: `${backbone.name}_transfer`, inputs: backbone.inputs, outputs: output });
}
