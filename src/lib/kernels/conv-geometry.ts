/**
 * One description of a channels-last convolution for both 2-D and 3-D: a 2-D
 * convolution is a 3-D one with depth 1, so every kernel below handles both.
 */
import * as tf from '@tensorflow/tfjs';

/** Sizes of a convolution, in NDHWC order (2-D convolutions have depth 1). */
export interface ConvGeometry {
  readonly batch: number;
  readonly inDepth: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outDepth: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterDepth: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideDepth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationDepth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padFront: number;
  readonly padTop: number;
  readonly padLeft: number;
}

/** Rows of the im2col matrix: one per output position. */
export function outputPositions(g: ConvGeometry): number {
  return g.batch * g.outDepth * g.outHeight * g.outWidth;
}

/** Columns of the im2col matrix: one per filter tap and input channel. */
export function patchSize(g: ConvGeometry): number {
  return g.filterDepth * g.filterHeight * g.filterWidth * g.inChannels;
}

/** Shapes of x [N,H,W,C] and filter [kH,kW,C,outC] → geometry; throws naming the shapes when they do not fit. */
export function conv2dGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number],
  pad: tf.backend_util.ExplicitPadding | 'same' | 'valid' | number,
  dilations: number | [number, number],
  dataFormat: 'NHWC' | 'NCHW',
  roundingMode?: 'floor' | 'round' | 'ceil',
): ConvGeometry {
  if (dataFormat !== 'NHWC') {
    throw new Error(
      `actlab conv kernels support channels-last NHWC only; got dataFormat "${dataFormat}" for x [${xShape}]`,
    );
  }
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) {
    throw new Error(
      `conv2d needs x [N,H,W,C] and filter [kH,kW,C,outC] with the same C; got x [${xShape}] and filter [${filterShape}]`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    roundingMode,
    false,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inDepth: 1,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outDepth: 1,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterDepth: 1,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideDepth: 1,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationDepth: 1,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padFront: 0,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Shapes of x [N,D,H,W,C] and filter [kD,kH,kW,C,outC] → geometry; throws naming the shapes when they do not fit. */
export function conv3dGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | [number, number, number],
  pad: 'same' | 'valid' | number,
  dilations: number | [number, number, number],
): ConvGeometry {
  if (xShape.length !== 5 || filterShape.length !== 5 || xShape[4] !== filterShape[3]) {
    throw new Error(
      `conv3d needs x [N,D,H,W,C] and filter [kD,kH,kW,C,outC] with the same C; got x [${xShape}] and filter [${filterShape}]`,
    );
  }
  const info = tf.backend_util.computeConv3DInfo(
    xShape as [number, number, number, number, number],
    filterShape as [number, number, number, number, number],
    strides,
    dilations,
    pad,
  );
  return {
    batch: info.batchSize,
    inDepth: info.inDepth,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outDepth: info.outDepth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterDepth: info.filterDepth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideDepth: info.strideDepth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationDepth: info.dilationDepth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padFront: info.padInfo.front,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** Throws when dy does not have the output shape the geometry implies. */
export function checkOutputShape(g: ConvGeometry, dyShape: readonly number[], rank: 4 | 5, what: string): void {
  const expected =
    rank === 4
      ? [g.batch, g.outHeight, g.outWidth, g.outChannels]
      : [g.batch, g.outDepth, g.outHeight, g.outWidth, g.outChannels];
  if (dyShape.length !== rank || expected.some((size, i) => size !== dyShape[i])) {
    throw new Error(`${what}: dy has shape [${dyShape}] but the convolution's output shape is [${expected}]`);
  }
}

/** What a convolution kernel computes: the output, the input gradient or the filter gradient. */
export type ConvDirection = 'forward' | 'input' | 'filter';

/** One call of a stock tfjs convolution kernel, decoded: what every pack that replaces them needs. */
export interface ConvCall {
  readonly direction: ConvDirection;
  readonly geometry: ConvGeometry;
  /** The two inputs by name, in the kernel's order: (x, filter), (dy, filter) or (x, dy). */
  readonly operands: Readonly<Record<string, tf.TensorInfo>>;
  readonly outShape: readonly number[];
}

/** The stock tfjs convolution kernels {@link decodeConvCall} reads. */
export const CONV_KERNEL_NAMES = [
  tf.Conv2D,
  tf.Conv2DBackpropInput,
  tf.Conv2DBackpropFilter,
  tf.Conv3D,
  tf.Conv3DBackpropInputV2,
  tf.Conv3DBackpropFilterV2,
] as const;
export type ConvKernelName = (typeof CONV_KERNEL_NAMES)[number];

type Pad2D = tf.backend_util.ExplicitPadding | 'same' | 'valid' | number;
type Pad3D = 'same' | 'valid' | number;

/**
 * Reads a stock convolution kernel's inputs and attributes into its geometry,
 * operands and output shape; throws naming the shapes when they do not fit.
 */
export function decodeConvCall(
  kernelName: ConvKernelName,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap | undefined,
): ConvCall {
  const { x, filter, dy } = inputs as Record<'x' | 'filter' | 'dy', tf.TensorInfo>;
  switch (kernelName) {
    case tf.Conv2D: {
      const a = attrs as unknown as tf.Conv2DAttrs;
      const g = conv2dGeometry(
        x.shape,
        filter.shape,
        a.strides,
        a.pad as Pad2D,
        a.dilations,
        a.dataFormat,
        a.dimRoundingMode,
      );
      return {
        direction: 'forward',
        geometry: g,
        operands: { x, filter },
        outShape: [g.batch, g.outHeight, g.outWidth, g.outChannels],
      };
    }
    case tf.Conv2DBackpropInput: {
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const g = conv2dGeometry(
        a.inputShape,
        filter.shape,
        a.strides,
        a.pad as Pad2D,
        1,
        a.dataFormat,
        a.dimRoundingMode,
      );
      checkOutputShape(g, dy.shape, 4, kernelName);
      return { direction: 'input', geometry: g, operands: { dy, filter }, outShape: a.inputShape };
    }
    case tf.Conv2DBackpropFilter: {
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      const g = conv2dGeometry(x.shape, a.filterShape, a.strides, a.pad as Pad2D, 1, a.dataFormat, a.dimRoundingMode);
      checkOutputShape(g, dy.shape, 4, kernelName);
      return { direction: 'filter', geometry: g, operands: { x, dy }, outShape: a.filterShape };
    }
    case tf.Conv3D: {
      const a = attrs as unknown as tf.Conv3DAttrs;
      checkChannelsLast3D(kernelName, a.dataFormat, x.shape);
      const g = conv3dGeometry(x.shape, filter.shape, a.strides, a.pad as Pad3D, a.dilations);
      const outShape = [g.batch, g.outDepth, g.outHeight, g.outWidth, g.outChannels];
      return { direction: 'forward', geometry: g, operands: { x, filter }, outShape };
    }
    case tf.Conv3DBackpropInputV2: {
      const a = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
      const g = conv3dGeometry(a.inputShape, filter.shape, a.strides, a.pad as Pad3D, 1);
      checkOutputShape(g, dy.shape, 5, kernelName);
      return { direction: 'input', geometry: g, operands: { dy, filter }, outShape: a.inputShape };
    }
    case tf.Conv3DBackpropFilterV2: {
      const a = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
      const g = conv3dGeometry(x.shape, a.filterShape, a.strides, a.pad as Pad3D, 1);
      checkOutputShape(g, dy.shape, 5, kernelName);
      return { direction: 'filter', geometry: g, operands: { x, dy }, outShape: a.filterShape };
    }
  }
}

/** 3-D kernels here read NDHWC only. */
export function checkChannelsLast3D(kernel: string, dataFormat: string | undefined, xShape: readonly number[]): void {
  if (dataFormat !== undefined && dataFormat !== 'NDHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} supports channels-last NDHWC only; got "${dataFormat}" for x [${xShape}]`);
  }
}
