export {
  BACKEND_NAMES,
  BackendError,
  currentBackend,
  initBackend,
  parseBackendName,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
} from './select';
export { applyKernelPacks, kernelPackNames, reapplyKernelPacks, registerKernelPack, type KernelPack } from '../kernels';
