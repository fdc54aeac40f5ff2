/**
 * The registry of kernel packs: faster or corrected versions of stock tfjs
 * kernels, applied on top of a backend once it is chosen (initBackend does).
 */
import * as tf from '@tensorflow/tfjs';

/** A named set of kernels for one backend. */
export interface KernelPack {
  /** Short name shown in the backend line, e.g. `conv-im2col`. */
  readonly name: string;
  /** The tfjs backend name the kernels are for (`wasm`, `cpu`, ...). */
  readonly backend: string;
  /** The kernel configs; each replaces any kernel of the same name on `backend`. */
  readonly kernels: () => readonly tf.KernelConfig[];
}

const packs = new Map<string, KernelPack>();
const applied = new Set<string>();

/**
 * Adds a kernel pack. It is applied when `initBackend` selects its backend
 * (or at once, if that backend is already active). Names must be unique.
 */
export function registerKernelPack(pack: KernelPack): void {
  if (packs.has(pack.name)) {
    throw new Error(`a kernel pack named "${pack.name}" is already registered; pick another name`);
  }
  packs.set(pack.name, pack);
  // engine().backendName, unlike getBackend(), does not start a backend as a side effect.
  if (tf.engine().backendName === pack.backend) applyKernelPacks(pack.backend);
}

/** Registers every pack for `backend` not registered yet; returns the names of all packs active on it. */
export function applyKernelPacks(backend: string): string[] {
  const active: string[] = [];
  for (const pack of packs.values()) {
    if (pack.backend !== backend) continue;
    if (!applied.has(pack.name)) {
      for (const kernel of pack.kernels()) {
        if (tf.getKernel(kernel.kernelName, kernel.backendName)) {
          tf.unregisterKernel(kernel.kernelName, kernel.backendName);
        }
        tf.registerKernel(kernel);
      }
      applied.add(pack.name);
    }
    active.push(pack.name);
  }
  return active;
}

/**
 * Registers every applied pack again. Needed after something re-registers stock
 * kernels in the registry all TensorFlow.js copies share (danfojs loads its own
 * copy, which overwrites them).
 */
export function reapplyKernelPacks(): void {
  const backends = new Set([...packs.values()].filter((p) => applied.has(p.name)).map((p) => p.backend));
  for (const name of applied) applied.delete(name);
  for (const backend of backends) applyKernelPacks(backend);
}

/** Names of the packs active on `backend`, for reports (a run records what it trained on). */
export function appliedKernelPacks(backend: string): string[] {
  return [...packs.values()].filter((p) => p.backend === backend && applied.has(p.name)).map((p) => p.name);
}
