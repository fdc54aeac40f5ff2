/**
 * Registers the `actlab` Jupyter kernel: tslab, started by this Node with this
 * project's node_modules, so Jupyter needs no PATH set up to find it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { packageRoot } from '../util/package-root';

/** The kernel name notebooks ask for in their metadata. */
export const KERNEL_NAME = 'actlab';
export const KERNEL_DISPLAY_NAME = 'TypeScript (actlab)';

/** The project-local Jupyter data folder; put it on `JUPYTER_PATH` to see the kernel. */
export function localJupyterPath(root: string = packageRoot()): string {
  return path.join(root, '.jupyter', 'share', 'jupyter');
}

/** The per-user Jupyter data folder, as `jupyter --data-dir` reports it. */
export function userJupyterPath(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Jupyter');
  if (process.platform === 'win32') {
    return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'jupyter');
  }
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'jupyter');
}

export interface KernelSpecOptions {
  /**
   * Install for the current user (every Jupyter on this account sees it)
   * instead of into the project-local prefix.
   * @default false
   */
  readonly user?: boolean;
  /**
   * Jupyter data folder to install into; overrides `user`.
   * @default `<project>/.jupyter/share/jupyter`
   */
  readonly jupyterPath?: string;
  /** The actlab checkout the kernel runs (its tslab, its saved kernel environment). @default this package */
  readonly root?: string;
}

export interface InstalledKernelSpec {
  /** Folder of the kernel spec (holds kernel.json). */
  readonly dir: string;
  /** The Jupyter data folder it was installed under. */
  readonly jupyterPath: string;
  /** The kernel.json written. */
  readonly spec: KernelJson;
}

export interface KernelJson {
  readonly argv: readonly string[];
  readonly display_name: string;
  readonly language: string;
  readonly metadata: Record<string, unknown>;
  /** Environment Jupyter sets for the kernel (e.g. `LD_LIBRARY_PATH` from `actlab gpu setup`). */
  readonly env?: Record<string, string>;
}

/** The file holding extra environment for the kernel; `actlab gpu setup` writes it. */
export function kernelEnvFile(root: string = packageRoot()): string {
  return path.join(root, '.jupyter', 'kernel-env.json');
}

/** The saved kernel environment, `{}` when there is none. */
export function readKernelEnv(root: string = packageRoot()): Record<string, string> {
  const file = kernelEnvFile(root);
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
}

/** Saves `env` for every kernel spec written from now on (merged into what was saved). */
export function saveKernelEnv(env: Record<string, string>, root: string = packageRoot()): Record<string, string> {
  const merged = { ...readKernelEnv(root), ...env };
  fs.mkdirSync(path.dirname(kernelEnvFile(root)), { recursive: true });
  fs.writeFileSync(kernelEnvFile(root), `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}

/** The kernel.json for this project: absolute paths to this Node and this tslab, and the saved environment. */
export function kernelJson(root: string = packageRoot()): KernelJson {
  const tslabBin = require.resolve('tslab/bin/tslab', { paths: [root] });
  const env = readKernelEnv(root);
  // Loaded before tslab (kernel-preload.ts): no IOPub message is dropped.
  const preload = path.join(root, 'dist', 'lib', 'jupyter', 'kernel-preload.js');
  return {
    argv: [process.execPath, '--require', preload, tslabBin, 'kernel', '--config-path', '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    metadata: { actlab: { root } },
    ...(Object.keys(env).length > 0 ? { env } : {}),
  };
}

/** Writes the kernel spec (idempotent: rewrites kernel.json each time). */
export function installKernelSpec(options: KernelSpecOptions = {}): InstalledKernelSpec {
  const root = options.root ?? packageRoot();
  const jupyterPath = options.jupyterPath ?? (options.user ? userJupyterPath() : localJupyterPath(root));
  const dir = path.join(jupyterPath, 'kernels', KERNEL_NAME);
  const spec = kernelJson(root);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return { dir, jupyterPath, spec };
}

/** `env` with `extra` prepended to `JUPYTER_PATH`. */
export function withJupyterPath(env: NodeJS.ProcessEnv, extra: string): NodeJS.ProcessEnv {
  const existing = env.JUPYTER_PATH ? env.JUPYTER_PATH.split(path.delimiter) : [];
  const parts = [extra, ...existing.filter((p) => p !== extra)];
  return { ...env, JUPYTER_PATH: parts.join(path.delimiter) };
}
