/**
 * Identity (and a Cast to the dtype a tensor already has) that shares its
 * input's memory. Stock wasm copies the whole tensor, and tfjs runs Identity
 * for every tensor a gradient keeps (the
 * engine clones what it saves for the backward pass): 58 copies, a tenth of a
 * 112×112 frame model's training step. Tensors are immutable, so sharing is
 * safe: the cpu backend's Identity and wasm's own Reshape do the same, and the
 * memory is freed when the last tensor on it is disposed. The ReLU gradient
 * casts a float32 step to float32 on every backward pass: a copy too.
 */
import * as tf from '@tensorflow/tfjs';

interface CountsReferences {
  incRef(dataId: tf.DataId): void;
}

function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as CountsReferences).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function sharedIdentityConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName,
    kernelFunc: ({ inputs, backend }) => share((inputs as { x: tf.TensorInfo }).x, backend),
  };
}

/** Cast: shares when the dtype stays, else the stock kernel converts. */
export function sharedCastConfig(backendName: string, _host: unknown, stock: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: tf.Cast,
    backendName,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      return x.dtype === dtype ? share(x, args.backend) : stock.kernelFunc(args);
    },
  };
}
