/**
 * SplitV and Slice as strided block copies. The stock wasm SplitV slices each
 * piece through a generic rank-5 Slice, which made splitting a video tensor
 * into channel groups (grouped convolution) the slowest op of a ResNeXt step;
 * that Slice (and the cpu one) reads element by element through index
 * arithmetic: 45 s to drop one frame of 160 clips of 16×64×64×3.
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendHost } from './backend-host';

/** Splits x viewed as [outer, axisSize, inner] along the middle axis into pieces of `sizes`. */
export function splitMiddle(x: Float32Array, outer: number, inner: number, sizes: readonly number[]): Float32Array[] {
  const axisSize = sizes.reduce((a, b) => a + b, 0);
  let offset = 0;
  return sizes.map((size) => {
    const piece = new Float32Array(outer * size * inner);
    const span = size * inner;
    for (let o = 0; o < outer; o++) {
      const from = (o * axisSize + offset) * inner;
      piece.set(x.subarray(from, from + span), o * span);
    }
    offset += size;
    return piece;
  });
}

/** A SplitV kernel for float32 tensors; other dtypes go to `fallback`. */
export function splitKernelConfig(
  backendName: string,
  hostFor: (backend: object) => BackendHost,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  return {
    kernelName: tf.SplitV,
    backendName,
    setupFunc: fallback.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype !== 'float32') return fallback.kernelFunc(args);
      const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
      const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
      const outer = tf.util.sizeFromShape(x.shape.slice(0, $axis));
      const inner = tf.util.sizeFromShape(x.shape.slice($axis + 1));
      const host = hostFor(args.backend);
      return splitMiddle(host.read(x), outer, inner, sizes).map((piece, i) => {
        const shape = x.shape.slice();
        shape[$axis] = sizes[i]!;
        return host.write(shape, piece);
      });
    },
  };
}

/**
 * The box `begin`…`begin + size` of `x` (row-major, `shape`), copied as
 * contiguous runs: the trailing axes taken whole merge into one run with the
 * innermost axis that is cut.
 */
export function sliceBlocks(
  x: Float32Array,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): Float32Array {
  const out = new Float32Array(size.reduce((a, b) => a * b, 1));
  if (out.length === 0) return out;
  let cut = shape.length - 1;
  let inner = 1;
  while (cut > 0 && begin[cut] === 0 && size[cut] === shape[cut]) inner *= shape[cut--]!;
  const run = size[cut]! * inner;
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  // An odometer over the axes before `cut`; each position copies one run.
  const index = new Array<number>(cut).fill(0);
  for (let o = 0; o < out.length; o += run) {
    let from = begin[cut]! * strides[cut]!;
    for (let axis = 0; axis < cut; axis++) from += (begin[axis]! + index[axis]!) * strides[axis]!;
    out.set(x.subarray(from, from + run), o);
    for (let axis = cut - 1; axis >= 0 && ++index[axis]! === size[axis]; axis--) index[axis] = 0;
  }
  return out;
}

/** A Slice kernel for float32 tensors; other dtypes go to `fallback`. */
export function sliceKernelConfig(
  backendName: string,
  hostFor: (backend: object) => BackendHost,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  return {
    kernelName: tf.Slice,
    backendName,
    setupFunc: fallback.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype !== 'float32' || x.shape.length === 0) return fallback.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
      const [$begin, $size] = tf.slice_util.parseSliceParams(x, begin, size) as [number[], number[]];
      tf.slice_util.assertParamsValid(x, $begin, $size);
      const host = hostFor(args.backend);
      return host.write($size, sliceBlocks(host.read(x), x.shape, $begin, $size));
    },
  };
}
