/**
 * Captures the stock tfjs kernels before actlab's packs replace them, so tests
 * can run the same op on stock and actlab kernels. Import this before the
 * first `initBackend` or `registerActlabKernels` call (importing
 * src/lib/kernels registers nothing).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export const PACKED_KERNELS = [
  'Conv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'Conv3D',
  'Conv3DBackpropInputV2',
  'Conv3DBackpropFilterV2',
  'MaxPool3D',
  'MaxPool3DGrad',
  'Sum',
];

function capture(backend: string): tf.KernelConfig[] {
  return PACKED_KERNELS.map((name) => tf.getKernel(name, backend)).filter((k): k is tf.KernelConfig => k != null);
}

export const stockWasm = capture('wasm');
export const stockCpu = capture('cpu');

/** Makes `configs` the registered kernels of their names (replacing whatever is there). */
export function install(configs: readonly tf.KernelConfig[]): void {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}
