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
 * Visits every output cell with the flat index of the first maximum in its
 * window (or -1 when the window lies wholly in padding).
 */
function forEachArgmax(x: Float32Array, p: PoolInfo, visit: (outIndex: number, argmax: number) => void): void {
  const c = p.inChannels;
  const rowStride = p.inWidth * c;
  const depthStride = p.inHeight * rowStride;
  const batchStride = p.inDepth * depthStride;
  let outIndex = 0;
  for (let n = 0; n < p.batchSize; n++) {
    for (let od = 0; od < p.outDepth; od++) {
      const d0 = od * p.strideDepth - p.padInfo.front;
      const dStart = Math.max(0, d0);
      const dEnd = Math.min(p.inDepth, d0 + p.filterDepth);
      for (let oh = 0; oh < p.outHeight; oh++) {
        const h0 = oh * p.strideHeight - p.padInfo.top;
        const hStart = Math.max(0, h0);
        const hEnd = Math.min(p.inHeight, h0 + p.filterHeight);
        for (let ow = 0; ow < p.outWidth; ow++) {
          const w0 = ow * p.strideWidth - p.padInfo.left;
          const wStart = Math.max(0, w0);
          const wEnd = Math.min(p.inWidth, w0 + p.filterWidth);
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let argmax = -1;
            for (let d = dStart; d < dEnd; d++) {
              for (let h = hStart; h < hEnd; h++) {
                let index = n * batchStride + d * depthStride + h * rowStride + wStart * c + ch;
                for (let w = wStart; w < wEnd; w++, index += c) {
                  const value = x[index]!;
                  // NaN wins so it propagates, like the cpu backend's reductions.
                  if (value > best || argmax < 0 || Number.isNaN(value)) {
                    best = value;
                    argmax = index;
                    if (Number.isNaN(value)) break;
                  }
                }
              }
            }
            visit(outIndex++, argmax);
          }
        }
      }
    }
  }
}

/** Max over each window (padding never wins); a window wholly in padding, impossible with same/valid pads, gives 0. */
export function maxPool3d(x: Float32Array, p: PoolInfo): Float32Array {
  const y = new Float32Array(p.batchSize * p.outDepth * p.outHeight * p.outWidth * p.inChannels);
  forEachArgmax(x, p, (i, argmax) => {
    y[i] = argmax < 0 ? 0 : x[argmax]!;
  });
  return y;
}

/** Routes each dy cell to the first maximum of its window. */
export function maxPool3dGrad(x: Float32Array, dy: Float32Array, p: PoolInfo): Float32Array {
  const dx = new Float32Array(x.length);
  forEachArgmax(x, p, (i, argmax) => {
    if (argmax >= 0) dx[argmax]! += dy[i]!;
  });
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
