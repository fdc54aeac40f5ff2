/**
 * Picks the fastest TensorFlow.js backend and registers actlab's kernel packs
 * on it.
 *
 * What the package root exports as `backend`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export {
  BACKEND_NAMES,
  BackendError,
  initBackend,
  parseBackendName,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
} from './select';
export type { ConvThreadsInfo } from '../kernels/conv-threads';
