/**
 * MaxPool3D and its gradient on flat NDHWC arrays. The stock wasm kernel starts
 * each window at FLT_MIN (the smallest positive float), so windows of negative
 * values come out as ~0; these start at -Infinity.
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendHost } from './backend-host';

type PoolAttrs = tf.MaxPool3DAttrs;
type PoolInfo = tf.backend_util.Conv3DInfo;

function poolInfo(xShape: readonly number[], attrs: PoolAttrs | tf.MaxPool3DGradAttrs): PoolInfo {
  if (xShape.length !== 5) throw new Error(`maxPool3d needs x [N,D,H,W,C]; got x [${xShape}]`);
  const dataFormat = 'dataFormat' in attrs ? attrs.dataFormat : 'NDHWC';
  if (dataFormat !== undefined && dataFormat !== 'NDHWC') {
    throw new Error(`actlab maxPool3d supports NDHWC only; got dataFormat "${dataFormat}" for x [${xShape}]`);
  }
  return tf.backend_util.computePool3DInfo(
    xShape as [number, number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

/**
 * The flat index in x of the first maximum of every output cell's window (-1
 * when the window lies wholly in padding). Channels are the innermost loop, so
 * each window tap reads C contiguous floats.
 */
function poolArgmax(x: Float32Array, p: PoolInfo): Int32Array {
  const c = p.inChannels;
  const rowStride = p.inWidth * c;
  const depthStride = p.inHeight * rowStride;
  const batchStride = p.inDepth * depthStride;
  const argmax = new Int32Array(p.batchSize * p.outDepth * p.outHeight * p.outWidth * c).fill(-1);
  const best = new Float32Array(c);
  let out = 0;
  for (let n = 0; n < p.batchSize; n++) {
    for (let od = 0; od < p.outDepth; od++) {
      const d0 = od * p.strideDepth - p.padInfo.front;
      const dStart = Math.max(0, d0);
      const dEnd = Math.min(p.inDepth, d0 + p.filterDepth);
      for (let oh = 0; oh < p.outHeight; oh++) {
        const h0 = oh * p.strideHeight - p.padInfo.top;
        const hStart = Math.max(0, h0);
        const hEnd = Math.min(p.inHeight, h0 + p.filterHeight);
        for (let ow = 0; ow < p.outWidth; ow++, out += c) {
          const w0 = ow * p.strideWidth - p.padInfo.left;
          const wStart = Math.max(0, w0);
          const wEnd = Math.min(p.inWidth, w0 + p.filterWidth);
          for (let d = dStart; d < dEnd; d++) {
            for (let h = hStart; h < hEnd; h++) {
              for (let w = wStart; w < wEnd; w++) {
                const tap = n * batchStride + d * depthStride + h * rowStride + w * c;
                for (let ch = 0; ch < c; ch++) {
                  const value = x[tap + ch]!;
                  const held = best[ch]!;
                  // The first NaN wins so it propagates, like the cpu backend's reductions.
                  if (argmax[out + ch]! < 0 || value > held || (value !== value && held === held)) {
                    best[ch] = value;
                    argmax[out + ch] = tap + ch;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return argmax;
}

/** Max over each window (padding never wins); a window wholly in padding, impossible with same/valid pads, gives 0. */
export function maxPool3d(x: Float32Array, p: PoolInfo): Float32Array {
  const argmax = poolArgmax(x, p);
  const y = new Float32Array(argmax.length);
  for (let i = 0; i < argmax.length; i++) {
    const at = argmax[i]!;
    y[i] = at < 0 ? 0 : x[at]!;
  }
  return y;
}

/** Routes each dy cell to the first maximum of its window. */
export function maxPool3dGrad(x: Float32Array, dy: Float32Array, p: PoolInfo): Float32Array {
  const argmax = poolArgmax(x, p);
  const dx = new Float32Array(x.length);
  for (let i = 0; i < argmax.length; i++) {
    const at = argmax[i]!;
    if (at >= 0) dx[at]! += dy[i]!;
  }
  return dx;
}

/** Kernel configs for MaxPool3D and MaxPool3DGrad on `backendName`. */
export function maxPool3dKernelConfigs(
  backendName: string,
  hostFor: (backend: object) => BackendHost,
): tf.KernelConfig[] {
  return [
    {
      kernelName: tf.MaxPool3D,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        const p = poolInfo(x.shape, attrs as unknown as PoolAttrs);
        const host = hostFor(backend);
        return host.write(p.outShape, maxPool3d(host.read(x), p));
      },
    },
    {
      kernelName: tf.MaxPool3DGrad,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
        const p = poolInfo(input.shape, attrs as unknown as tf.MaxPool3DGradAttrs);
        if (dy.shape.join() !== p.outShape.join()) {
          throw new Error(
            `MaxPool3DGrad: dy has shape [${dy.shape}] but pooling x [${input.shape}] gives [${p.outShape}]`,
          );
        }
        const host = hostFor(backend);
        return host.write(input.shape, maxPool3dGrad(host.read(input), host.read(dy), p));
      },
    },
  ];
}

/**
 * MaxPoolGrad (2-D) as a pool of depth 1: the stock wasm kernel takes about
 * 5× as long, a quarter of a small 2-D CNN's train step.
 */
export function maxPoolGradKernelConfig(
  backendName: string,
  hostFor: (backend: object) => BackendHost,
): tf.KernelConfig {
  return {
    kernelName: tf.MaxPoolGrad,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
      const a = attrs as unknown as tf.MaxPoolGradAttrs;
      if (input.shape.length !== 4) throw new Error(`MaxPoolGrad needs x [N,H,W,C]; got x [${input.shape}]`);
      const [n, h, w, c] = input.shape as [number, number, number, number];
      const size = typeof a.filterSize === 'number' ? [a.filterSize, a.filterSize] : a.filterSize;
      const strides = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
      const p = poolInfo([n, 1, h, w, c], {
        filterSize: [1, size[0]!, size[1]!],
        strides: [1, strides[0]!, strides[1]!],
        pad: a.pad as 'same' | 'valid' | number,
        dimRoundingMode: a.dimRoundingMode,
      });
      const outShape = [n, p.outHeight, p.outWidth, c];
      if (dy.shape.join() !== outShape.join()) {
        throw new Error(`MaxPoolGrad: dy has shape [${dy.shape}] but pooling x [${input.shape}] gives [${outShape}]`);
      }
      const host = hostFor(backend);
      return host.write(input.shape, maxPool3dGrad(host.read(input), host.read(dy), p));
    },
  };
}
