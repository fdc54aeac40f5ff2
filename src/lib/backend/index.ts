export {
  BACKEND_NAMES,
  BackendError,
  initBackend,
  parseBackendName,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
} from './select';
export {
  applyKernelPacks,
  appliedKernelPacks,
  reapplyKernelPacks,
  registerKernelPack,
  type KernelPack,
} from '../kernels';
export {
  CUDA11_LIBRARIES,
  describeMissing,
  detectNvidiaGpu,
  ldLibraryPath,
  missingLibraries,
  systemLibraryDirs,
  wheelLibraryDirs,
  wheelsFor,
  type CudaLibrary,
  type NvidiaGpu,
} from './cuda-libs';
export { measureGpuPlacement, type GpuPlacement } from './gpu-placement';
export { cuda11Dir, GpuSetupError, setupGpu, type GpuSetupOptions, type GpuSetupResult } from './gpu-setup';
