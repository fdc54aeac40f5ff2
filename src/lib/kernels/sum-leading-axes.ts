/**
 * Sum and Mean over the leading axes of a tensor (the bias gradient: dy
 * [N,D,H,W,C] summed to [C]; batch-norm statistics). The stock wasm kernels
 * first transpose the reduced axes to the end, which for 5-D video tensors
 * costs more than the convolution next to them.
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendHost } from './backend-host';

/** Sums x viewed as [outer, inner] over its rows. */
export function sumRows(x: Float32Array, outer: number, inner: number): Float32Array {
  // float64 accumulators: a bias gradient sums ~10⁵ terms.
  const acc = new Float64Array(inner);
  for (let r = 0; r < outer; r++) {
    const offset = r * inner;
    for (let c = 0; c < inner; c++) acc[c]! += x[offset + c]!;
  }
  return Float32Array.from(acc);
}

/**
 * A Sum or Mean kernel that handles float32 reductions over axes 0..k-1 itself
 * and passes every other case to `fallback` (the stock kernel of that name).
 */
export function leadingAxesReduceConfig(
  backendName: string,
  hostFor: (backend: object) => BackendHost,
  fallback: tf.KernelConfig,
): tf.KernelConfig {
  const isMean = fallback.kernelName === tf.Mean;
  if (!isMean && fallback.kernelName !== tf.Sum) {
    throw new Error(`leadingAxesReduceConfig handles Sum and Mean, not ${fallback.kernelName}`);
  }
  return {
    kernelName: fallback.kernelName,
    backendName,
    setupFunc: fallback.setupFunc,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs; // MeanAttrs has the same fields
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
      if (!leading || x.dtype !== 'float32') return fallback.kernelFunc(args);
      const innerShape = x.shape.slice(axes.length);
      const inner = tf.util.sizeFromShape(innerShape);
      const outer = tf.util.sizeFromShape(x.shape) / inner;
      const host = hostFor(args.backend);
      const outShape = keepDims ? [...axes.map(() => 1), ...innerShape] : innerShape;
      const sums = sumRows(host.read(x), outer, inner);
      if (isMean) for (let i = 0; i < inner; i++) sums[i]! /= outer;
      return host.write(outShape, sums);
    },
  };
}
