export * from './public';
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
