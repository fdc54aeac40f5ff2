/**
 * actlab's kernel packs: faster or corrected kernels registered on top of the
 * stock wasm and cpu backends.
 */
import * as tf from '@tensorflow/tfjs';

import { type KernelPack, registerKernelPack } from './registry';
import { cpuHost, wasmHost } from './backend-host';
import { channelNormKernelConfigs, cpuMemory, wasmMemory } from './channel-norm';
import { convKernelConfigs } from './conv-kernels';
import { sharedCastConfig, sharedIdentityConfig } from './identity';
import { maxPool3dKernelConfigs, maxPoolGradKernelConfig } from './max-pool3d';
import { sliceKernelConfig, splitKernelConfig } from './split';
import { leadingAxesReduceConfig } from './sum-leading-axes';

/**
 * wasm: every conv kernel as im2col + XNNPACK GEMM. Stock wasm lacks
 * Conv2DBackpropFilter, gets Conv3DBackpropInputV2 wrong everywhere and
 * Conv3DBackpropFilterV2 wrong at stride 2; its MaxPool3D clips negatives to 0;
 * its MaxPoolGrad is slow;
 * its Sum/Mean over leading axes (bias gradient, batch-norm statistics), its
 * SplitV (grouped convolution) and its Slice of rank-5 clips are slow; its
 * Identity copies every tensor a gradient keeps. Plus fused batch-norm training kernels.
 */
export const wasmConvPack: KernelPack = {
  name: 'conv-im2col',
  backend: 'wasm',
  kernels: () => [
    ...convKernelConfigs('wasm', wasmHost),
    ...maxPool3dKernelConfigs('wasm', wasmHost),
    maxPoolGradKernelConfig('wasm', wasmHost),
    ...wrappedStock('wasm', wasmHost),
    ...channelNormKernelConfigs('wasm', wasmMemory),
    sharedIdentityConfig('wasm'),
  ],
};

/**
 * cpu: the filter gradients, which stock reads through TensorBuffer.get (~80× slower), fused batch-norm
 * training, and the block-copy Slice.
 */
export const cpuConvPack: KernelPack = {
  name: 'conv-filter-grad',
  backend: 'cpu',
  kernels: () => [
    ...convKernelConfigs('cpu', cpuHost, [tf.Conv2DBackpropFilter, tf.Conv3DBackpropFilterV2]),
    ...channelNormKernelConfigs('cpu', cpuMemory),
    ...wrappedStock('cpu', cpuHost, [tf.Slice]),
  ],
};

const stockKernels = new Map<string, tf.KernelConfig>();

/**
 * Wrappers around stock kernels (Sum, Mean, SplitV, Slice, Cast) that take the fast
 * path and defer the rest to the stock kernel; `only` picks some of them.
 */
function wrappedStock(backendName: string, hostFor: typeof wasmHost, only?: readonly string[]): tf.KernelConfig[] {
  const wrap = [
    { name: tf.Sum, make: leadingAxesReduceConfig },
    { name: tf.Mean, make: leadingAxesReduceConfig },
    { name: tf.SplitV, make: splitKernelConfig },
    { name: tf.Slice, make: sliceKernelConfig },
    { name: tf.Cast, make: sharedCastConfig },
  ].filter(({ name }) => !only || only.includes(name));
  return wrap.flatMap(({ name, make }) => {
    // Captured once: a later call would find our own kernel registered and wrap it.
    const key = `${backendName}/${name}`;
    const stock = stockKernels.get(key) ?? tf.getKernel(name, backendName);
    if (!stock) return [];
    stockKernels.set(key, stock);
    return [make(backendName, hostFor, stock)];
  });
}

/** All packs this module registers. */
export const KERNEL_PACKS: readonly KernelPack[] = [wasmConvPack, cpuConvPack];

let registered = false;

/** Registers actlab's packs (idempotent); `initBackend` calls it before applying the packs. */
export function registerActlabKernels(): void {
  if (registered) return;
  registered = true;
  for (const pack of KERNEL_PACKS) registerKernelPack(pack);
}
