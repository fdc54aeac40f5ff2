/**
 * The oneDNN packs on the wasm and cpu backends, registered only when the
 * addon loads; {@link oneDnnNote} is the backend line's word on why not.
 */
import { cpuMemory, wasmMemory } from './channel-norm';
import { oneDnnKernelConfigs } from './onednn';
import { loadOneDnn } from './onednn-addon';
import { type KernelPack, registerKernelPack } from './registry';

/** Pack name on the wasm backend (the backend line shows it). */
export const ONEDNN_PACK = 'onednn';

function addon() {
  const status = loadOneDnn();
  if (!status.loaded) throw new Error(status.reason);
  return status.addon;
}

/** oneDNN kernels on the wasm backend, working in the wasm heap. */
export const wasmOneDnnPack: KernelPack = {
  name: ONEDNN_PACK,
  backend: 'wasm',
  kernels: () => oneDnnKernelConfigs('wasm', wasmMemory, addon()),
};

/** oneDNN kernels on the cpu backend, working in its typed arrays. */
export const cpuOneDnnPack: KernelPack = {
  name: `${ONEDNN_PACK}-cpu`,
  backend: 'cpu',
  kernels: () => oneDnnKernelConfigs('cpu', cpuMemory, addon()),
};

let registered = false;

/**
 * Registers the oneDNN packs after actlab's others (so their kernels win) when
 * the addon loads; returns whether it did. Idempotent.
 */
export function registerOneDnnKernels(): boolean {
  if (!loadOneDnn().loaded) return false;
  if (!registered) {
    registered = true;
    registerKernelPack(wasmOneDnnPack);
    registerKernelPack(cpuOneDnnPack);
  }
  return true;
}

/** Why the oneDNN packs are not in use and how to get them, or undefined when they are. */
export function oneDnnNote(): string | undefined {
  const status = loadOneDnn();
  return status.loaded ? undefined : status.reason;
}
