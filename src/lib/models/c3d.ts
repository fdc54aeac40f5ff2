/** C3D (Tran et al. 2015): 3×3×3 convolutions throughout, scaled down to train on small clips. */
import * as tf from '@tensorflow/tfjs';

import { ChannelBatchNorm } from '../layers';
import { validateInputShape, checkPositiveInt, checkRate, seedWeights } from './shape';

export interface C3DOptions {
  /** One clip without the batch axis, channels-last: [T,H,W,C] (float32, normalised). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /**
   * Multiplies C3D's filter counts (64,128,256,512,512) and its 4096-unit
   * dense layers. 1 is the paper's model. @default 0.125
   */
  readonly width?: number;
  /**
   * Conv/pool stages kept (1–5). Each stage halves H and W, and stages 2+
   * halve T, so [16,32,32,C] takes all 5. @default 5
   */
  readonly stages?: number;
  /** Units of each of the two dense layers (fc6, fc7). @default 4096 × width, at least 8 */
  readonly units?: number;
  /** Batch norm after each convolution (not in the paper; helps small models train). @default false */
  readonly batchNorm?: boolean;
  /** Dropout before each dense layer. @default 0.5 */
  readonly dropout?: number;
  /** Seeds the initial weights (see {@link seedWeights}). @default undefined (tfjs random) */
  readonly seed?: number;
}

const FILTERS = [64, 128, 256, 512, 512];
const CONVS_PER_STAGE = [1, 1, 2, 2, 2];

/**
 * C3D: stage 1 is conv3³ → maxpool [1,2,2] (keeps early motion), stages 2–5
 * are conv3³ (×1 or ×2) → maxpool [2,2,2]; then flatten → dense → dense →
 * softmax. Input [N,T,H,W,C] float32 → output [N,numClasses] probabilities.
 *
 * ```
 * [16,32,32,1] ─conv 8─▶ pool1×2×2 ─conv 16─▶ pool2³ ─conv 32 ×2─▶ pool2³ ─conv 64 ×2─▶ pool2³ ─conv 64 ×2─▶ pool2³
 *              ─▶ [1,1,1,64] ─flatten─▶ dense 512 ─▶ dense 512 ─▶ softmax
 * ```
 */
export function c3d(options: C3DOptions): tf.Sequential {
  const width = options.width ?? 0.125;
  const stages = options.stages ?? 5;
  if (!(width > 0)) throw new Error(`c3d: width must be > 0; got ${width}`);
  if (!Number.isInteger(stages) || stages < 1 || stages > 5) {
    throw new Error(`c3d: stages must be an integer from 1 to 5; got ${stages}`);
  }
  // Stage 1 pools space only; every later stage halves T as well.
  const inputShape = validateInputShape('c3d', options.inputShape, 'clip', [
    2 ** (stages - 1),
    2 ** stages,
    2 ** stages,
  ]);
  const numClasses = checkPositiveInt('c3d', 'numClasses', options.numClasses);
  const dropout = checkRate('c3d', 'dropout', options.dropout ?? 0.5);
  const units = checkPositiveInt('c3d', 'units', options.units ?? Math.max(8, Math.round(4096 * width)));
  const model = tf.sequential({ name: 'c3d' });
  model.add(tf.layers.inputLayer({ inputShape }));
  for (let s = 0; s < stages; s++) {
    const filters = Math.max(4, Math.round(FILTERS[s]! * width));
    for (let c = 0; c < CONVS_PER_STAGE[s]!; c++) {
      const name = `conv${s + 1}${'ab'[c]}`;
      const useBn = options.batchNorm ?? false;
      model.add(
        tf.layers.conv3d({
          name,
          filters,
          kernelSize: 3,
          padding: 'same',
          useBias: !useBn,
          activation: useBn ? 'linear' : 'relu',
        }),
      );
      if (useBn) {
        model.add(new ChannelBatchNorm({ name: `${name}_bn` }));
        model.add(tf.layers.reLU({ name: `${name}_relu` }));
      }
    }
    model.add(tf.layers.maxPooling3d({ name: `pool${s + 1}`, poolSize: s === 0 ? [1, 2, 2] : [2, 2, 2] }));
  }
  model.add(tf.layers.flatten({ name: 'flatten' }));
  for (const name of ['fc6', 'fc7']) {
    model.add(tf.layers.dense({ name, units, activation: 'relu' }));
    if (dropout > 0) model.add(tf.layers.dropout({ name: `${name}_dropout`, rate: dropout }));
  }
  model.add(tf.layers.dense({ name: 'fc8', units: numClasses, activation: 'softmax' }));
  if (options.seed !== undefined) seedWeights(model, options.seed);
  return model;
}

/**
 * The tutorial's C3D for 16×32×32 clips: the paper's layout at 1/8 of its
 * filters (8…64), batch norm after every convolution and 128-unit dense
 * layers without dropout. The paper model (4096-unit layers, dropout 0.5,
 * no batch norm) cannot learn from a few hundred clips in a few epochs.
 */
export function c3dSmall(options: Omit<C3DOptions, 'width'> & { readonly width?: number }): tf.Sequential {
  return c3d({ width: 0.125, batchNorm: true, dropout: 0, units: 128, ...options });
}
