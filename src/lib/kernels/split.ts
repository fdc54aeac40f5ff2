/**
 * SplitV as strided block copies. The stock wasm SplitV slices each piece
 * through a generic rank-5 Slice, which made splitting a video tensor into
 * channel groups (grouped convolution) the slowest op of a ResNeXt step.
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
