/**
 * What a kernel needs from a backend: read a tensor's floats, make an output
 * tensor from floats, and multiply matrices. One adapter per backend so the
 * convolution code is written once.
 */
import * as tf from '@tensorflow/tfjs';

import { type Gemm, jsGemm } from './gemm';

export interface BackendHost {
  /** The tensor's values; treat as read-only (may alias backend memory until the next allocation). */
  read(t: tf.TensorInfo): Float32Array;
  /** Copies the tensor's values into `target` (as long as the tensor). */
  readInto(t: tf.TensorInfo, target: Float32Array): void;
  /** A new float32 tensor holding `values`. */
  write(shape: readonly number[], values: Float32Array): tf.TensorInfo;
  readonly gemm: Gemm;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  disposeData(dataId: tf.DataId): boolean;
}

/** The parts of tfjs-backend-cpu's MathBackendCPU the kernels use. */
interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: tf.backend_util.BackendValues } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function requireFloat32(t: tf.TensorInfo): void {
  if (t.dtype !== 'float32')
    throw new Error(`actlab kernels need float32 tensors; got ${t.dtype} with shape [${t.shape}]`);
}

/** Host for the wasm backend: data lives on the wasm heap, GEMM is the backend's XNNPACK BatchMatMul. */
export function wasmHost(backend: object): BackendHost {
  const wasm = backend as unknown as WasmBackendLike;
  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!batchMatMul)
    throw new Error('the wasm backend has no BatchMatMul kernel; is @tensorflow/tfjs-backend-wasm loaded?');
  const gemm: Gemm = {
    multiply(m, k, n, fillA, fillB, consume) {
      const a = wasm.makeOutput([1, m, k], 'float32');
      const b = wasm.makeOutput([1, k, n], 'float32');
      try {
        // Views are taken after both allocations: a heap growth detaches older views.
        fillA(wasm.typedArrayFromHeap(a));
        fillB(wasm.typedArrayFromHeap(b));
        // Neither operand transposed: the only case the wasm backend sends to XNNPACK.
        const attrs = { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap;
        const c = batchMatMul.kernelFunc({ inputs: { a, b }, backend, attrs }) as tf.TensorInfo;
        try {
          consume(wasm.typedArrayFromHeap(c));
        } finally {
          wasm.disposeData(c.dataId);
        }
      } finally {
        wasm.disposeData(a.dataId);
        wasm.disposeData(b.dataId);
      }
    },
  };
  return {
    read(t) {
      requireFloat32(t);
      return wasm.typedArrayFromHeap(t).slice();
    },
    readInto(t, target) {
      requireFloat32(t);
      target.set(wasm.typedArrayFromHeap(t));
    },
    write(shape, values) {
      const out = wasm.makeOutput([...shape], 'float32');
      wasm.typedArrayFromHeap(out).set(values);
      return out;
    },
    gemm,
  };
}

/** Host for the cpu backend: flat typed arrays and a plain JS GEMM. */
export function cpuHost(backend: object): BackendHost {
  const cpu = backend as unknown as CpuBackendLike;
  return {
    read(t) {
      requireFloat32(t);
      return cpu.data.get(t.dataId).values as Float32Array;
    },
    readInto(t, target) {
      requireFloat32(t);
      target.set(cpu.data.get(t.dataId).values as Float32Array);
    },
    write(shape, values) {
      return cpu.makeTensorInfo([...shape], 'float32', values);
    },
    gemm: jsGemm,
  };
}
