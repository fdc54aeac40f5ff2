/** 3D ResNeXt (Hara et al. 2018, "Can Spatiotemporal 3D CNNs Retrace the History of 2D CNNs and ImageNet?"). */
import * as tf from '@tensorflow/tfjs';

import { ChannelBatchNorm, GlobalAveragePooling3D, GroupedConv3D } from '../layers';
import { validateInputShape, checkPositiveInt, seedWeights } from './shape';

export const RESNEXT3D_DEPTHS = [10, 18, 34, 50, 101] as const;
export type ResNeXt3DDepth = (typeof RESNEXT3D_DEPTHS)[number];

/** Blocks per stage; 10/18/34 use basic blocks, 50/101 bottleneck blocks (as in ResNet). */
const STAGES: Record<ResNeXt3DDepth, readonly number[]> = {
  10: [1, 1, 1, 1],
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
  50: [3, 4, 6, 3],
  101: [3, 4, 23, 3],
};

export interface ResNeXt3DOptions {
  /** 10, 18, 34 (basic blocks) or 50, 101 (bottleneck blocks). */
  readonly depth: ResNeXt3DDepth;
  /** Groups of the 3×3×3 convolution in every block (the "32" of 32×4d). @default 32 */
  readonly cardinality?: number;
  /** Channels per group in stage 1, doubled each stage (the "4d" of 32×4d). @default 4 */
  readonly width?: number;
  readonly numClasses: number;
  /** One clip without the batch axis, channels-last: [T,H,W,C] (float32, normalised). */
  readonly inputShape: readonly number[];
  /** Filters of the stem convolution. @default 64 */
  readonly stemFilters?: number;
  /** Stem kernel size (T,H,W all the same); the paper uses 7, small clips train faster with 3. @default 7 */
  readonly stemKernel?: number;
  /** Strides [T,H,W] of the stem convolution. @default [1,2,2] */
  readonly stemStride?: readonly [number, number, number];
  /** Max-pool 3³ stride 2 after the stem (the paper does; drop it for 32×32 clips). @default true */
  readonly stemPool?: boolean;
  /** Seeds the initial weights. @default undefined (tfjs random) */
  readonly seed?: number;
}

type Sym = tf.SymbolicTensor;

function convBn(
  x: Sym,
  filters: number,
  kernel: number,
  stride: number | [number, number, number],
  groups: number,
  name: string,
): Sym {
  const strides = typeof stride === 'number' ? ([stride, stride, stride] as [number, number, number]) : stride;
  const conv = new GroupedConv3D({ name, filters, kernelSize: kernel, strides, groups, useBias: false }).apply(
    x,
  ) as Sym;
  return new ChannelBatchNorm({ name: `${name}_bn` }).apply(conv) as Sym;
}

function relu(x: Sym, name: string): Sym {
  return tf.layers.reLU({ name }).apply(x) as Sym;
}

/** Shortcut type B: identity when the shape is kept, else a 1×1×1 strided projection + BN. */
function shortcut(x: Sym, outChannels: number, stride: number, name: string): Sym {
  const inChannels = x.shape[4]!;
  if (stride === 1 && inChannels === outChannels) return x;
  return convBn(x, outChannels, 1, stride, 1, `${name}_proj`);
}

/**
 * ResNeXt bottleneck block (depth 50/101), cardinality G, M = G·width·2^stage:
 *
 * ```
 *            x [N,T,H,W,Cin]
 *            │ ─────────────────────────────┐
 *   conv 1³, M → BN → ReLU                  │ shortcut B:
 *   grouped conv 3³, M, G groups, stride s  │  identity, or
 *     → BN → ReLU                           │  conv 1³ 2M stride s → BN
 *   conv 1³, 2M → BN                        │
 *            ⊕ ◀────────────────────────────┘
 *          ReLU → [N,T/s,H/s,W/s,2M]
 * ```
 */
function bottleneck(x: Sym, mid: number, groups: number, stride: number, name: string): Sym {
  let y = relu(convBn(x, mid, 1, 1, 1, `${name}_conv1`), `${name}_relu1`);
  y = relu(convBn(y, mid, 3, stride, groups, `${name}_conv2`), `${name}_relu2`);
  y = convBn(y, 2 * mid, 1, 1, 1, `${name}_conv3`);
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut(x, 2 * mid, stride, name)]) as Sym;
  return relu(sum, `${name}_out`);
}

/** Basic block (depth 10/18/34): grouped conv 3³ → BN → ReLU → conv 3³ → BN, ⊕ shortcut, ReLU. */
function basic(x: Sym, mid: number, groups: number, stride: number, name: string): Sym {
  let y = relu(convBn(x, mid, 3, stride, groups, `${name}_conv1`), `${name}_relu1`);
  y = convBn(y, mid, 3, 1, 1, `${name}_conv2`);
  const sum = tf.layers.add({ name: `${name}_add` }).apply([y, shortcut(x, mid, stride, name)]) as Sym;
  return relu(sum, `${name}_out`);
}

/**
 * 3D ResNeXt: stem conv (stride [1,2,2]) → BN → ReLU → [max-pool 3³ /2] →
 * 4 stages of blocks (stage 1 stride 1, stages 2–4 stride 2 in T, H and W) →
 * global average pool → dense softmax.
 * Input [N,T,H,W,C] float32 → output [N,numClasses] probabilities.
 */
export function resnext3d(options: ResNeXt3DOptions): tf.LayersModel {
  const builder = 'resnext3d';
  if (!RESNEXT3D_DEPTHS.includes(options.depth)) {
    throw new Error(`${builder}: depth must be one of ${RESNEXT3D_DEPTHS.join(', ')}; got ${options.depth}`);
  }
  const inputShape = validateInputShape(builder, options.inputShape, 'clip');
  const numClasses = checkPositiveInt(builder, 'numClasses', options.numClasses);
  const cardinality = checkPositiveInt(builder, 'cardinality', options.cardinality ?? 32);
  const width = checkPositiveInt(builder, 'width', options.width ?? 4);
  const stemFilters = checkPositiveInt(builder, 'stemFilters', options.stemFilters ?? 64);
  const stemKernel = checkPositiveInt(builder, 'stemKernel', options.stemKernel ?? 7);
  const block = options.depth >= 50 ? bottleneck : basic;

  const input = tf.input({ shape: inputShape, name: 'clip' });
  const [st, sh, sw] = options.stemStride ?? [1, 2, 2];
  const stemStride: [number, number, number] = [
    checkPositiveInt(builder, 'stemStride[0]', st),
    checkPositiveInt(builder, 'stemStride[1]', sh),
    checkPositiveInt(builder, 'stemStride[2]', sw),
  ];
  let x = relu(convBn(input, stemFilters, stemKernel, stemStride, 1, 'stem'), 'stem_relu');
  if (options.stemPool ?? true) {
    x = tf.layers.maxPooling3d({ name: 'stem_pool', poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  }
  STAGES[options.depth].forEach((blocks, stage) => {
    const mid = cardinality * width * 2 ** stage;
    for (let b = 0; b < blocks; b++) {
      x = block(x, mid, cardinality, b === 0 && stage > 0 ? 2 : 1, `stage${stage + 1}_block${b + 1}`);
    }
  });
  x = new GlobalAveragePooling3D({ name: 'gap' }).apply(x) as Sym;
  const output = tf.layers.dense({ name: 'fc', units: numClasses, activation: 'softmax' }).apply(x) as Sym;
  const model = tf.model({ name: `resnext3d${options.depth}`, inputs: input, outputs: output });
  if (options.seed !== undefined) seedWeights(model, options.seed);
  return model;
}

/** Options of a preset: everything optional, overriding the preset's values. */
export type ResNeXt3DPresetOptions = Partial<Omit<ResNeXt3DOptions, 'depth'>>;

/** The 32×4d Kinetics-400 layout of Hara et al.: 16 RGB frames of 112×112, 400 classes. */
const KINETICS_32X4D = { cardinality: 32, width: 4, numClasses: 400, inputShape: [16, 112, 112, 3] } as const;

/** ResNeXt-101 32×4d as in Hara et al. (Kinetics-400, 16×112×112 RGB); ~48M parameters, too slow to train on wasm. */
export function resnext3d101(options: ResNeXt3DPresetOptions = {}): tf.LayersModel {
  return resnext3d({ ...KINETICS_32X4D, ...options, depth: 101 });
}

/** ResNeXt-50 32×4d (Kinetics-400 layout). */
export function resnext3d50(options: ResNeXt3DPresetOptions = {}): tf.LayersModel {
  return resnext3d({ ...KINETICS_32X4D, ...options, depth: 50 });
}

/**
 * A ResNeXt-10 sized for the bundled clips ([16,32,32,1], 8 classes):
 * cardinality 4, width 4, a 3³ stem striding 2 in time as well as space and
 * no stem pool. The time stride halves every later layer's work (an epoch
 * of the tutorial's training took 16 s instead of 27 s on 2 cores).
 */
export function resnext3dTiny(options: ResNeXt3DPresetOptions = {}): tf.LayersModel {
  return resnext3d({
    cardinality: 4,
    width: 4,
    numClasses: 8,
    inputShape: [16, 32, 32, 1],
    stemFilters: 16,
    stemKernel: 3,
    stemStride: [2, 2, 2],
    stemPool: false,
    ...options,
    depth: 10,
  });
}
