/**
 * `actlab gpu setup`: installs `@tensorflow/tfjs-node-gpu` and, where the
 * machine's CUDA is not 11.x, the CUDA 11 / cuDNN 8 libraries from the
 * `nvidia-*-cu11` wheels into `<project>/.actlab/cuda11`, then writes their
 * folders into the actlab kernel's `LD_LIBRARY_PATH` so notebooks find them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { installKernelSpec, KERNEL_NAME, saveKernelEnv, userJupyterPath } from '../jupyter/kernelspec';
import { packageRoot } from '../util/package-root';
import {
  type CudaLibrary,
  type NvidiaGpu,
  describeMissing,
  detectNvidiaGpu,
  ldLibraryPath,
  missingLibraries,
  systemLibraryDirs,
  wheelLibraryDirs,
  wheelsFor,
} from './cuda-libs';

export interface GpuSetupOptions {
  /** The actlab checkout. @default this package */
  readonly root?: string;
  /** Python whose pip installs the wheels. @default `ACTLAB_PYTHON`, else `python3` */
  readonly python?: string;
  /** Progress lines. @default console.log */
  readonly log?: (line: string) => void;
  /** Environment (its `LD_LIBRARY_PATH` is searched and kept). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How to find the GPU (tests pass a fake). @default {@link detectNvidiaGpu} */
  readonly detectGpu?: () => NvidiaGpu;
  /** Runs a command; returns its exit status (tests pass a fake). @default spawnSync with inherited output */
  readonly exec?: (command: string, args: readonly string[], cwd: string) => number | null;
}

export interface GpuSetupResult {
  readonly gpu: string;
  /** Pip requirements installed (empty when the system already had every library). */
  readonly wheels: readonly string[];
  /** The kernel's `LD_LIBRARY_PATH` (empty when nothing had to be added). */
  readonly libraryPath: string;
  /** kernel.json files rewritten with it. */
  readonly kernelSpecs: readonly string[];
}

/** The machine cannot use the GPU backend; the message is one line saying what is missing. */
export class GpuSetupError extends Error {
  override name = 'GpuSetupError';
}

/** Where the wheels go. */
export function cuda11Dir(root: string = packageRoot()): string {
  return path.join(root, '.actlab', 'cuda11');
}

export async function setupGpu(options: GpuSetupOptions = {}): Promise<GpuSetupResult> {
  const root = options.root ?? packageRoot();
  const env = options.env ?? process.env;
  const log = options.log ?? console.log;
  const exec = options.exec ?? run;
  const gpu = (options.detectGpu ?? detectNvidiaGpu)();
  if (!gpu.found) {
    throw new GpuSetupError(
      `gpu setup: ${gpu.detail}; @tensorflow/tfjs-node-gpu needs an NVIDIA GPU and its driver (on Colab: Runtime → Change runtime type → GPU)`,
    );
  }
  log(`GPU: ${gpu.detail}`);

  const pkg = `@tensorflow/tfjs-node-gpu@${tf.version.tfjs}`;
  if (!resolves('@tensorflow/tfjs-node-gpu', root)) {
    log(`installing ${pkg} (it downloads libtensorflow with CUDA support)`);
    if (exec('npm', ['install', '--no-save', '--no-audit', '--no-fund', pkg], root) !== 0) {
      throw new GpuSetupError(`gpu setup: npm install ${pkg} failed (its output is above)`);
    }
  }

  const target = cuda11Dir(root);
  const missing = missingLibraries([...wheelLibraryDirs(target), ...systemLibraryDirs(env)]);
  const wheels = wheelsFor(missing);
  if (wheels.length > 0) {
    log(`CUDA 11 libraries missing here: ${missing.map((l) => l.soname).join(', ')}; installing ${wheels.join(' ')}`);
    const python = options.python ?? env.ACTLAB_PYTHON ?? 'python3';
    const args = ['-m', 'pip', 'install', '--quiet', '--no-deps', '--target', target, ...wheels];
    if (exec(python, args, root) !== 0) {
      throw new GpuSetupError(`gpu setup: ${python} -m pip install --target ${target} failed (output above)`);
    }
  }
  const ours = wheelLibraryDirs(target);
  const stillMissing: CudaLibrary[] = missingLibraries([...ours, ...systemLibraryDirs(env)]);
  if (stillMissing.length > 0) throw new GpuSetupError(`gpu setup: ${describeMissing(stillMissing)}`);

  const libraryPath = ours.length > 0 ? ldLibraryPath(ours, env.LD_LIBRARY_PATH) : '';
  const kernelSpecs: string[] = [];
  if (libraryPath) {
    saveKernelEnv({ LD_LIBRARY_PATH: libraryPath }, root);
    // Rewrite the project-local spec, and the user's one when setup registered it there (Colab).
    kernelSpecs.push(path.join(installKernelSpec({ root }).dir, 'kernel.json'));
    if (fs.existsSync(path.join(userJupyterPath(), 'kernels', KERNEL_NAME))) {
      kernelSpecs.push(path.join(installKernelSpec({ root, user: true }).dir, 'kernel.json'));
    }
  }
  return { gpu: gpu.detail, wheels, libraryPath, kernelSpecs };
}

function resolves(pkg: string, root: string): boolean {
  try {
    require.resolve(pkg, { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: readonly string[], cwd: string): number | null {
  return spawnSync(command, args, { cwd, stdio: 'inherit' }).status;
}
