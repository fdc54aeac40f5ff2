/**
 * The `onednn` kernel packs: convolutions (grouped ones included, and the
 * FusedConv2D that conv2d layers call, bias and activation applied after), the fused
 * channel batch norm and 2-D/3-D max and average pooling, with their
 * gradients, run by oneDNN (the library under PyTorch's CPU convolutions) on
 * every core, straight on the backend's memory: inputs are read and outputs
 * written in place in the wasm heap or the cpu backend's arrays.
 * Registered by `registerActlabKernels` only when the addon loads (see onednn-addon.ts).
 */
import * as tf from '@tensorflow/tfjs';

import {
  backwardInputs,
  CHANNEL_NORM_BACKWARD,
  CHANNEL_NORM_FORWARD,
  type ChannelNormAttrs,
  channelNormInputs,
  type TensorMemory,
} from './channel-norm';
import {
  checkChannelsLast3D,
  checkOutputShape,
  CONV_KERNEL_NAMES,
  conv3dGeometry,
  type ConvGeometry,
  decodeConvCall,
} from './conv-geometry';
import { type OneDnnAddon } from './onednn-addon';
import { oneDnnOpConfigs } from './onednn-ops';
import {
  GROUPED_CONV3D,
  GROUPED_CONV3D_BACKPROP_FILTER,
  GROUPED_CONV3D_BACKPROP_INPUT,
  type GroupedConv3DAttrs,
} from './onednn-grouped';

type MemoryFor = (backend: object) => TensorMemory;

/** The 22 numbers native/src/addon.cc's conv() reads. */
function convGeometryArray(g: ConvGeometry, groups: number): Int32Array {
  return Int32Array.from([
    g.batch,
    g.inDepth,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.outDepth,
    g.outHeight,
    g.outWidth,
    g.outChannels,
    g.filterDepth,
    g.filterHeight,
    g.filterWidth,
    g.strideDepth,
    g.strideHeight,
    g.strideWidth,
    g.dilationDepth,
    g.dilationHeight,
    g.dilationWidth,
    g.padFront,
    g.padTop,
    g.padLeft,
    groups,
  ]);
}

function requireFloat32(kernel: string, tensors: Record<string, tf.TensorInfo>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') {
      throw new Error(`${kernel}: ${name} must be float32; got ${t.dtype}`);
    }
  }
}

/** A filter [kD,kH,kW,C/groups,outC] seen as the full [kD,kH,kW,C,outC] for the geometry helpers. */
function ungrouped(filterShape: readonly number[], groups: number): number[] {
  const shape = [...filterShape];
  shape[shape.length - 2]! *= groups;
  return shape;
}

function checkGroups(kernel: string, xShape: readonly number[], filterShape: readonly number[], groups: number): void {
  const channels = xShape[4]!;
  const outChannels = filterShape[4]!;
  if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0 || outChannels % groups !== 0) {
    throw new Error(
      `${kernel}: groups (${groups}) must divide the input channels (x [${xShape}]) and output channels (filter [${filterShape}])`,
    );
  }
  if (filterShape[3] !== channels / groups) {
    throw new Error(
      `${kernel}: filter [${filterShape}] needs ${channels / groups} input channels per group (x [${xShape}], ${groups} groups)`,
    );
  }
}

function convConfigs(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  /** Runs one conv call into a new output of `outShape`. */
  const run = (
    kernel: string,
    backend: object,
    kind: 0 | 1 | 2,
    g: ConvGeometry,
    groups: number,
    operands: Record<string, tf.TensorInfo>,
    outShape: readonly number[],
  ): tf.TensorInfo => {
    requireFloat32(kernel, operands);
    const geometry = convGeometryArray(g, groups);
    const [result] = memoryFor(backend).compute(Object.values(operands), [outShape], ([a, b], [out]) =>
      addon.conv(kind, geometry, a!, b!, out!),
    );
    return result!;
  };
  const kind = { forward: 0, input: 1, filter: 2 } as const;
  const stock = Object.fromEntries(
    CONV_KERNEL_NAMES.map((kernelName): [string, tf.KernelFunc] => [
      kernelName,
      ({ inputs, backend, attrs }) => {
        const call = decodeConvCall(kernelName, inputs, attrs);
        return run(kernelName, backend, kind[call.direction], call.geometry, 1, call.operands, call.outShape);
      },
    ]),
  );
  const grouped: Record<string, tf.KernelFunc> = {
    [GROUPED_CONV3D]: ({ inputs, backend, attrs }) => {
      const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as GroupedConv3DAttrs;
      checkGroups(GROUPED_CONV3D, x.shape, filter.shape, a.groups);
      const g = conv3dGeometry(x.shape, ungrouped(filter.shape, a.groups), a.strides, a.pad, 1);
      const outShape = [g.batch, g.outDepth, g.outHeight, g.outWidth, g.outChannels];
      return run(GROUPED_CONV3D, backend, 0, g, a.groups, { x, filter }, outShape);
    },
    [GROUPED_CONV3D_BACKPROP_INPUT]: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const a = attrs as unknown as GroupedConv3DAttrs & { inputShape: number[] };
      checkGroups(GROUPED_CONV3D_BACKPROP_INPUT, a.inputShape, filter.shape, a.groups);
      const g = conv3dGeometry(a.inputShape, ungrouped(filter.shape, a.groups), a.strides, a.pad, 1);
      checkOutputShape(g, dy.shape, 5, GROUPED_CONV3D_BACKPROP_INPUT);
      return run(GROUPED_CONV3D_BACKPROP_INPUT, backend, 1, g, a.groups, { dy, filter }, a.inputShape);
    },
    [GROUPED_CONV3D_BACKPROP_FILTER]: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const a = attrs as unknown as GroupedConv3DAttrs & { filterShape: number[] };
      checkGroups(GROUPED_CONV3D_BACKPROP_FILTER, x.shape, a.filterShape, a.groups);
      const g = conv3dGeometry(x.shape, ungrouped(a.filterShape, a.groups), a.strides, a.pad, 1);
      checkOutputShape(g, dy.shape, 5, GROUPED_CONV3D_BACKPROP_FILTER);
      return run(GROUPED_CONV3D_BACKPROP_FILTER, backend, 2, g, a.groups, { x, dy }, a.filterShape);
    },
  };
  return Object.entries({ ...stock, ...grouped, [tf.FusedConv2D]: fusedConv2d(backendName, memoryFor, addon) }).map(
    ([kernelName, kernelFunc]) => ({ kernelName, backendName, kernelFunc }),
  );
}

/** Activations applied in place after the convolution; others (prelu) go to the backend's own kernel. */
const FUSED_ACTIVATIONS: Readonly<Record<string, (v: number, alpha: number) => number>> = {
  linear: (v) => v,
  relu: (v) => (v > 0 ? v : 0),
  relu6: (v) => Math.min(Math.max(v, 0), 6),
  leakyrelu: (v, alpha) => (v > 0 ? v : alpha * v),
  elu: (v) => (v > 0 ? v : Math.expm1(v)),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
};

/** Kernel functions this module made, so a backend's own kernel is never mistaken for one of them. */
const ours = new WeakSet<tf.KernelFunc>();
/** The backend's own FusedConv2D, captured before the pack replaces it. */
const backendFused = new Map<string, tf.KernelFunc>();

/**
 * FusedConv2D (what tf.layers.conv2d calls, with or without bias and
 * activation): the convolution on oneDNN, then bias and activation in place.
 * On wasm the backend's own kernel (XNNPACK, one thread) took 30% of a 2D
 * CNN's training step at 112×112, more than both gradients on oneDNN together.
 */
function fusedConv2d(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelFunc {
  const found = tf.getKernel(tf.FusedConv2D, backendName)?.kernelFunc;
  if (found && !ours.has(found) && !backendFused.has(backendName)) backendFused.set(backendName, found);
  const kernelFunc: tf.KernelFunc = (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { activation = 'linear', leakyreluAlpha = 0.2 } = args.attrs as unknown as tf.FusedConv2DAttrs;
    const call = decodeConvCall(tf.Conv2D, { x: x!, filter: filter! }, args.attrs);
    const channels = call.geometry.outChannels;
    const apply = FUSED_ACTIVATIONS[activation];
    const plainBias = !bias || (bias.shape.length === 1 && bias.shape[0] === channels);
    if (!apply || preluActivationWeights || !plainBias) {
      const fallback = backendFused.get(backendName);
      if (fallback) return fallback(args);
      throw new Error(
        `${tf.FusedConv2D}: activation "${activation}"${bias ? ` with bias [${bias.shape}]` : ''} is not supported by the onednn pack`,
      );
    }
    const operands = bias ? [x!, filter!, bias] : [x!, filter!];
    requireFloat32(tf.FusedConv2D, Object.fromEntries(operands.map((t, i) => [['x', 'filter', 'bias'][i]!, t])));
    const geometry = convGeometryArray(call.geometry, 1);
    const [y] = memoryFor(args.backend).compute(operands, [call.outShape], ([xv, fv, bv], [yv]) => {
      addon.conv(0, geometry, xv!, fv!, yv!);
      if (!bv && activation === 'linear') return;
      for (let i = 0; i < yv!.length; i++) {
        yv![i] = apply(yv![i]! + (bv ? bv[i % channels]! : 0), leakyreluAlpha);
      }
    });
    return y!;
  };
  ours.add(kernelFunc);
  return kernelFunc;
}

/** The 18 numbers native/src/addon.cc's pool() reads. */
function poolGeometry(kernel: string, xShape: readonly number[], attrs: tf.MaxPool3DAttrs): Int32Array {
  if (xShape.length === 5) {
    checkChannelsLast3D(kernel, attrs.dataFormat, xShape);
    const p = tf.backend_util.computePool3DInfo(
      xShape as [number, number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    return Int32Array.from([
      ...[p.batchSize, p.inDepth, p.inHeight, p.inWidth, p.inChannels, p.outDepth, p.outHeight, p.outWidth],
      ...[p.filterDepth, p.filterHeight, p.filterWidth, p.strideDepth, p.strideHeight, p.strideWidth],
      ...[p.padInfo.front, p.padInfo.top, p.padInfo.left, 3],
    ]);
  }
  if (xShape.length !== 4) throw new Error(`${kernel} needs x [N,H,W,C] or [N,D,H,W,C]; got [${xShape}]`);
  const p = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as [number, number] | number,
    attrs.strides as [number, number] | number,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  return Int32Array.from([
    ...[p.batchSize, 1, p.inHeight, p.inWidth, p.inChannels, 1, p.outHeight, p.outWidth],
    ...[1, p.filterHeight, p.filterWidth, 1, p.strideHeight, p.strideWidth, 0, p.padInfo.top, p.padInfo.left, 2],
  ]);
}

function outputShape(geometry: Int32Array): number[] {
  const [n, , , , c, od, oh, ow] = geometry;
  return geometry[17] === 3 ? [n!, od!, oh!, ow!, c!] : [n!, oh!, ow!, c!];
}

function poolConfigs(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  const forward =
    (kernel: string, kind: 0 | 1): tf.KernelFunc =>
    ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      requireFloat32(kernel, { x });
      const geometry = poolGeometry(kernel, x.shape, attrs as unknown as tf.MaxPool3DAttrs);
      const [y] = memoryFor(backend).compute([x], [outputShape(geometry)], ([xv], [yv]) =>
        kind === 0 ? addon.maxPool(geometry, xv!, yv!) : addon.pool(kind, geometry, xv!, yv!, yv!),
      );
      return y!;
    };
  const gradient =
    (kernel: string, kind: 2 | 3): tf.KernelFunc =>
    ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      requireFloat32(kernel, { dy, input });
      const geometry = poolGeometry(kernel, input.shape, attrs as unknown as tf.MaxPool3DAttrs);
      const expected = outputShape(geometry);
      if (dy.shape.join() !== expected.join()) {
        throw new Error(`${kernel}: dy must be [${expected}] for x [${input.shape}]; got [${dy.shape}]`);
      }
      const { output } = inputs as { output?: tf.TensorInfo };
      if (kind === 2 && output) {
        // The forward's output y picks each window's cell: no second forward pass.
        requireFloat32(kernel, { output });
        const [dx] = memoryFor(backend).compute([input, output, dy], [input.shape], ([xv, yv, dyv], [dxv]) =>
          addon.maxPoolGrad(geometry, xv!, yv!, dyv!, dxv!),
        );
        return dx!;
      }
      const [dx] = memoryFor(backend).compute([input, dy], [input.shape], ([xv, dyv], [dxv]) =>
        addon.pool(kind, geometry, xv!, dyv!, dxv!),
      );
      return dx!;
    };
  const kernels: Record<string, tf.KernelFunc> = {
    [tf.MaxPool]: forward(tf.MaxPool, 0),
    [tf.AvgPool]: forward(tf.AvgPool, 1),
    [tf.MaxPool3D]: forward(tf.MaxPool3D, 0),
    [tf.AvgPool3D]: forward(tf.AvgPool3D, 1),
    [tf.MaxPoolGrad]: gradient(tf.MaxPoolGrad, 2),
    [tf.AvgPoolGrad]: gradient(tf.AvgPoolGrad, 3),
    [tf.MaxPool3DGrad]: gradient(tf.MaxPool3DGrad, 2),
    [tf.AvgPool3DGrad]: gradient(tf.AvgPool3DGrad, 3),
  };
  return Object.entries(kernels).map(([kernelName, kernelFunc]) => ({ kernelName, backendName, kernelFunc }));
}

function normConfigs(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  return [
    {
      kernelName: CHANNEL_NORM_FORWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
        const { epsilon } = attrs as unknown as ChannelNormAttrs;
        const { rows, channels } = channelNormInputs(CHANNEL_NORM_FORWARD, x, { gamma, beta });
        return memoryFor(backend).compute([x, gamma, beta], [x.shape, [channels], [channels]], (i, o) =>
          addon.normForward(i[0]!, i[1]!, i[2]!, o[0]!, o[1]!, o[2]!, rows, channels, epsilon),
        );
      },
    },
    {
      kernelName: CHANNEL_NORM_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, x, mean, variance, gamma, epsilon, flat } = backwardInputs(inputs, attrs);
        const { rows, channels } = flat;
        return memoryFor(backend).compute([dy, x, mean, variance, gamma], [x.shape, [channels], [channels]], (i, o) =>
          addon.normBackward(i[0]!, i[1]!, i[2]!, i[3]!, i[4]!, o[0]!, o[1]!, o[2]!, rows, channels, epsilon),
        );
      },
    },
  ];
}

/** Every oneDNN kernel config for `backendName`. */
export function oneDnnKernelConfigs(backendName: string, memoryFor: MemoryFor, addon: OneDnnAddon): tf.KernelConfig[] {
  return [
    ...convConfigs(backendName, memoryFor, addon),
    ...poolConfigs(backendName, memoryFor, addon),
    ...normConfigs(backendName, memoryFor, addon),
    ...oneDnnOpConfigs(backendName, memoryFor, addon),
  ];
}
