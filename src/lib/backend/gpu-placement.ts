/**
 * Whether the native backend really runs on the GPU: `@tensorflow/tfjs-node-gpu`
 * loads and starts without CUDA 11 / cuDNN 8 and then quietly places every op
 * on the CPU. TensorFlow's own device list says which.
 */
import { type CudaLibrary, describeMissing, missingLibraries, systemLibraryDirs } from './cuda-libs';

export interface GpuPlacement {
  /** True when TensorFlow lists a GPU device. */
  readonly gpu: boolean;
  /** Empty on the GPU; otherwise why it runs on the CPU and what to do. */
  readonly note: string;
}

/** Reads tfjs-node's `isUsingGpuDevice` (from TensorFlow's device list) and names missing libraries when false. */
export function measureGpuPlacement(
  backend: unknown,
  findMissing: () => readonly CudaLibrary[] = () => missingLibraries(systemLibraryDirs()),
): GpuPlacement {
  if ((backend as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true) return { gpu: true, note: '' };
  const missing = findMissing();
  const why =
    missing.length > 0
      ? describeMissing(missing)
      : 'TensorFlow sees no GPU device (is the NVIDIA driver loaded? nvidia-smi)';
  return { gpu: false, note: `tfjs-node-gpu runs on the CPU, not the GPU: ${why}` };
}
