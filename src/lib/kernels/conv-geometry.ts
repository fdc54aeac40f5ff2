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
