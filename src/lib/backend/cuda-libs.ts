/**
 * The CUDA 11 libraries `@tensorflow/tfjs-node-gpu` 4.x needs (it links
 * libtensorflow 2.9.1: CUDA 11.2+, cuDNN 8.1+), where to find them, and the
 * `nvidia-*-cu11` pip wheels that carry them for machines whose CUDA is 12
 * (Colab, Kaggle). Without them libtensorflow quietly runs on the CPU.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CudaLibrary {
  /** The file name libtensorflow dlopens. */
  readonly soname: string;
  /** What it is, for messages. */
  readonly what: string;
  /** The pip requirement that installs it (under `nvidia/<name>/lib/`). */
  readonly wheel: string;
}

/** Pinned to the CUDA 11.8 / cuDNN 8.7 set TensorFlow 2.14 shipped with; libtensorflow 2.9 accepts newer 11.x/8.x. */
export const CUDA11_LIBRARIES: readonly CudaLibrary[] = [
  { soname: 'libcudart.so.11.0', what: 'CUDA 11 runtime', wheel: 'nvidia-cuda-runtime-cu11==11.8.89' },
  { soname: 'libcublas.so.11', what: 'cuBLAS 11', wheel: 'nvidia-cublas-cu11==11.11.3.6' },
  { soname: 'libcublasLt.so.11', what: 'cuBLASLt 11', wheel: 'nvidia-cublas-cu11==11.11.3.6' },
  { soname: 'libcufft.so.10', what: 'cuFFT 10', wheel: 'nvidia-cufft-cu11==10.9.0.58' },
  { soname: 'libcurand.so.10', what: 'cuRAND 10', wheel: 'nvidia-curand-cu11==10.3.0.86' },
  { soname: 'libcusolver.so.11', what: 'cuSOLVER 11', wheel: 'nvidia-cusolver-cu11==11.4.1.48' },
  { soname: 'libcusparse.so.11', what: 'cuSPARSE 11', wheel: 'nvidia-cusparse-cu11==11.7.5.86' },
  { soname: 'libcudnn.so.8', what: 'cuDNN 8', wheel: 'nvidia-cudnn-cu11==8.7.0.84' },
];

/** Folders the dynamic loader searches: `LD_LIBRARY_PATH`, the ldconfig cache's folders, the usual CUDA places. */
export function systemLibraryDirs(
  env: NodeJS.ProcessEnv = process.env,
  ldconfig: string = ldconfigListing(),
): string[] {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(path.delimiter).filter(Boolean);
  const fromCache = [...ldconfig.matchAll(/=>\s*(\S+)/g)].map((m) => path.dirname(m[1] ?? ''));
  const usual = ['/usr/local/cuda/lib64', '/usr/local/nvidia/lib64', '/usr/lib64-nvidia', '/usr/lib/x86_64-linux-gnu'];
  return unique([...fromEnv, ...fromCache, ...usual]);
}

/** The `lib` folders of the `nvidia-*` wheels installed with `pip install --target <target>`. */
export function wheelLibraryDirs(target: string): string[] {
  const nvidia = path.join(target, 'nvidia');
  if (!fs.existsSync(nvidia)) return [];
  return fs
    .readdirSync(nvidia)
    .sort()
    .map((name) => path.join(nvidia, name, 'lib'))
    .filter((dir) => fs.existsSync(dir));
}

/** The libraries no folder of `dirs` holds. */
export function missingLibraries(
  dirs: readonly string[],
  libraries: readonly CudaLibrary[] = CUDA11_LIBRARIES,
): CudaLibrary[] {
  return libraries.filter((lib) => !dirs.some((dir) => fs.existsSync(path.join(dir, lib.soname))));
}

/** The pip requirements that install `missing`, each once. */
export function wheelsFor(missing: readonly CudaLibrary[]): string[] {
  return unique(missing.map((lib) => lib.wheel));
}

/** `LD_LIBRARY_PATH` with `first` ahead of what was there (no duplicates, no empty parts). */
export function ldLibraryPath(first: readonly string[], existing: string | undefined): string {
  return unique([...first, ...(existing ?? '').split(path.delimiter).filter(Boolean)]).join(path.delimiter);
}

/** One line naming the missing libraries and their fix, for the backend line and `actlab env`. */
export function describeMissing(missing: readonly CudaLibrary[]): string {
  const names = missing.map((lib) => `${lib.soname} (${lib.what})`).join(', ');
  return `${names} not found; run npx actlab gpu setup`;
}

export interface NvidiaGpu {
  readonly found: boolean;
  /** The GPU and driver (from nvidia-smi), or why none was found. */
  readonly detail: string;
}

/** Whether this machine has an NVIDIA GPU with its driver loaded. */
export function detectNvidiaGpu(procFile = '/proc/driver/nvidia/version', smi = 'nvidia-smi'): NvidiaGpu {
  const query = spawnSync(smi, ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (query.status === 0 && query.stdout.trim() !== '') {
    return { found: true, detail: query.stdout.trim().split('\n').join('; ') };
  }
  if (fs.existsSync(procFile)) return { found: true, detail: fs.readFileSync(procFile, 'utf8').split('\n')[0] ?? '' };
  const why = query.error ? `${smi} is not on PATH` : `${smi} failed (${query.stderr.trim().split('\n')[0]})`;
  return { found: false, detail: `no NVIDIA GPU driver: ${procFile} does not exist and ${why}` };
}

function ldconfigListing(): string {
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig']) {
    const run = spawnSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 10_000 });
    if (run.status === 0) return run.stdout;
  }
  return '';
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
