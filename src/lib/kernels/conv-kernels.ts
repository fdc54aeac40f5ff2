/**
 * tfjs kernel configs for Conv2D / Conv3D and their input and filter gradients,
 * all running the im2col + GEMM code on a backend host (wasm or cpu), shared
 * with worker threads when they run (see conv-threads.ts).
 */
import * as tf from '@tensorflow/tfjs';

import type { BackendHost } from './backend-host';
import { CONV_KERNEL_NAMES, type ConvKernelName, decodeConvCall } from './conv-geometry';
import { convBackpropFilterOn, convBackpropInputOn, convForwardOn } from './conv-threads';

type HostFactory = (backend: object) => BackendHost;

/** Kernel configs for `backendName`, limited to `names`. */
export function convKernelConfigs(
  backendName: string,
  hostFor: HostFactory,
  names: readonly ConvKernelName[] = CONV_KERNEL_NAMES,
): tf.KernelConfig[] {
  const compute = { forward: convForwardOn, input: convBackpropInputOn, filter: convBackpropFilterOn };
  return names.map((kernelName) => ({
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const call = decodeConvCall(kernelName, inputs, attrs);
      const [a, b] = Object.values(call.operands) as [tf.TensorInfo, tf.TensorInfo];
      const host = hostFor(backend);
      return host.write(call.outShape, compute[call.direction](host, a, b, call.geometry));
    },
  }));
}
