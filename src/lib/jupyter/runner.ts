/**
 * Executes the numbered notebooks in order with the `actlab` kernel, writing
 * executed .ipynb and .html copies to an output folder. The TypeScript Jupyter
 * client (node-runner.ts) runs them, so only Node is needed; the Colab
 * variants (a `python3` kernel) go through Python's nbclient and nbconvert.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

import { ensureSelfLink } from '../util/self-link';
import { type InstalledKernelSpec, installKernelSpec, KERNEL_NAME, withJupyterPath } from './kernelspec';
import { NBEXEC_PY } from './nbexec-py';
import { runNotebookWithNode } from './node-runner';
import { findJupyterPython } from './python';

/** Notebook file names the runner picks up: `NN_name.ipynb`. */
export const NOTEBOOK_PATTERN = /^\d{2}_[\w-]+\.ipynb$/;

export interface RunNotebooksOptions {
  /** Folder of `NN_*.ipynb` notebooks. */
  readonly notebooksDir: string;
  /** Where executed `.ipynb` and `.html` copies go (created if missing). */
  readonly outDir: string;
  /**
   * Run only notebooks whose file name starts with one of these (e.g. `['00', '03_c3d']`).
   * @default every notebook
   */
  readonly only?: readonly string[];
  /**
   * Seconds one cell may run before it counts as failed.
   * @default 1800
   */
  readonly cellTimeoutSeconds?: number;
  /** Progress events (the CLI prints them). */
  readonly onEvent?: (event: RunnerEvent) => void;
  /** Environment for Jupyter and the kernel. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Folder the notebooks' training runs go to (`train.tutorialRunDir`): passed
   * to the kernel as `ACTLAB_RUNS_DIR`, so test runs and tutorial runs keep
   * apart. @default `env.ACTLAB_RUNS_DIR`, else `<package>/out/runs`
   */
  readonly runsDir?: string;
  /** Stops waiting and kills the notebook being executed. */
  readonly signal?: AbortSignal;
  /**
   * Jupyter kernel the notebooks run in (`python3` for the Colab variants,
   * whose `%%ts` cells reach the actlab kernel themselves). @default `actlab`
   */
  readonly kernelName?: string;
}

export type RunnerEvent =
  | { readonly event: 'notebook_start'; readonly notebook: string; readonly cells: number }
  | {
      readonly event: 'cell_start';
      readonly notebook: string;
      readonly id?: string;
      readonly position: number;
      readonly of: number;
    }
  | {
      readonly event: 'cell_done';
      readonly notebook: string;
      readonly id?: string;
      readonly status: string;
      readonly seconds: number;
    }
  | { readonly event: 'notebook_done'; readonly notebook: string; readonly seconds: number };

export interface NotebookResult {
  readonly notebook: string;
  readonly executed: string;
  readonly html: string;
  readonly seconds: number;
}

/** A notebook cell raised an error (or timed out, or the kernel died). */
export class NotebookFailedError extends Error {
  override name = 'NotebookFailedError';
  constructor(
    readonly notebook: string,
    /** 1-based position among the notebook's code cells. */
    readonly cellPosition: number | undefined,
    readonly cellId: string | undefined,
    readonly errorName: string,
    readonly errorValue: string,
    readonly cellSource: string,
    readonly executed: string,
  ) {
    const where = cellPosition ? `code cell ${cellPosition}${cellId ? ` (id ${cellId})` : ''}` : 'start-up';
    super(
      `${notebook} failed at ${where}: ${errorName}: ${errorValue}\n` +
        `  the executed copy with the full error is ${executed} (and .html beside it)`,
    );
  }
}

/** The run was stopped (Ctrl-C, SIGTERM or an abort signal); the notebook's kernel was stopped too. */
export class NotebookInterruptedError extends Error {
  override name = 'NotebookInterruptedError';
  constructor(
    readonly notebook: string,
    readonly executed: string,
  ) {
    super(`${notebook} was interrupted; its kernel was stopped. The partly executed copy is ${executed}`);
  }
}

/** The notebooks the runner would execute, sorted by number. */
export function listNotebooks(notebooksDir: string, only?: readonly string[]): string[] {
  if (!fs.existsSync(notebooksDir)) throw new Error(`notebook folder ${notebooksDir} does not exist`);
  const all = fs
    .readdirSync(notebooksDir)
    .filter((name) => NOTEBOOK_PATTERN.test(name))
    .sort();
  const picked = only && only.length > 0 ? all.filter((name) => only.some((p) => name.startsWith(p))) : all;
  if (picked.length === 0) {
    const filter = only && only.length > 0 ? ` matching ${only.join(', ')}` : '';
    throw new Error(`no NN_*.ipynb notebooks${filter} in ${notebooksDir} (found: ${all.join(', ') || 'none'})`);
  }
  return picked.map((name) => path.join(notebooksDir, name));
}

/**
 * Executes the notebooks one after another; stops at the first failure with a
 * {@link NotebookFailedError}. Only a `python3` kernel (the Colab variants)
 * needs Python: then `JupyterMissingError` says how to install Jupyter.
 */
export async function runNotebooks(options: RunNotebooksOptions): Promise<NotebookResult[]> {
  const notebooks = listNotebooks(options.notebooksDir, options.only);
  const viaNode = (options.kernelName ?? KERNEL_NAME) === KERNEL_NAME;
  const python = viaNode ? undefined : findJupyterPython(options.env).python;
  ensureSelfLink(); // notebooks import 'actlab'
  const kernel = installKernelSpec();
  const base = options.env ?? process.env;
  const env = withJupyterPath(
    options.runsDir ? { ...base, ACTLAB_RUNS_DIR: path.resolve(options.runsDir) } : base,
    kernel.jupyterPath,
  );
  fs.mkdirSync(options.outDir, { recursive: true });
  const results: NotebookResult[] = [];
  for (const notebook of notebooks) {
    options.signal?.throwIfAborted();
    results.push(
      python === undefined
        ? await runOneWithNode(notebook, kernel, env, options)
        : await runOneWithPython(notebook, python, env, options),
    );
  }
  return results;
}

/** Where the executed copies of `notebook` go. */
function outputsOf(notebook: string, outDir: string): { name: string; executed: string; html: string } {
  const name = path.basename(notebook);
  const stem = name.replace(/\.ipynb$/, '');
  return { name, executed: path.join(outDir, `${stem}.ipynb`), html: path.join(outDir, `${stem}.html`) };
}

/** Runs `notebook` in the actlab kernel through the TypeScript Jupyter client. */
async function runOneWithNode(
  notebook: string,
  kernel: InstalledKernelSpec,
  env: NodeJS.ProcessEnv,
  options: RunNotebooksOptions,
): Promise<NotebookResult> {
  const { name, executed, html } = outputsOf(notebook, options.outDir);
  const started = Date.now();
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  if (options.signal?.aborted) onSignal();
  const result = await runNotebookWithNode({
    notebook,
    executed,
    html,
    kernelArgv: kernel.spec.argv,
    // As Jupyter does: the kernel spec's environment over the caller's.
    env: { ...env, ...kernel.spec.env },
    cellTimeoutSeconds: options.cellTimeoutSeconds ?? 1800,
    signal: stop.signal,
    onEvent: (event) => options.onEvent?.({ ...event, notebook: name }),
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onSignal);
  });
  if (result.interrupted) throw new NotebookInterruptedError(name, executed);
  const { failure } = result;
  if (failure) {
    const { position, id, ename, evalue, source } = failure;
    throw new NotebookFailedError(name, position, id, ename, evalue, source, executed);
  }
  const seconds = (Date.now() - started) / 1000;
  options.onEvent?.({ event: 'notebook_done', notebook: name, seconds });
  return { notebook: name, executed, html, seconds };
}

/** Runs `notebook` through Python's nbclient and nbconvert (the Colab variants' python3 kernel). */
async function runOneWithPython(
  notebook: string,
  python: string,
  env: NodeJS.ProcessEnv,
  options: RunNotebooksOptions,
): Promise<NotebookResult> {
  const { name, executed, html } = outputsOf(notebook, options.outDir);
  const timeout = String(options.cellTimeoutSeconds ?? 1800);
  const started = Date.now();
  const kernelName = options.kernelName ?? KERNEL_NAME;
  const args = ['-c', NBEXEC_PY, notebook, executed, html, kernelName, timeout, path.dirname(notebook)];
  // Its own process group, so that stopping the run also stops the kernel nbclient started
  // (killing only the python process would leave the kernel training in the background).
  const detached = process.platform !== 'win32';
  const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached });
  const stopGroup = () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try {
      if (detached) process.kill(-child.pid, 'SIGTERM');
      else child.kill('SIGTERM');
    } catch {
      // already gone
    }
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    stopGroup();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  let failure: Record<string, unknown> | undefined;
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 200) stderr.shift();
  });
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    if (!line.startsWith('ACTLAB-NB ')) return;
    const event = JSON.parse(line.slice('ACTLAB-NB '.length)) as Record<string, unknown>;
    if (event.event === 'failed') {
      failure = event;
      return;
    }
    if (event.event === 'notebook_done') {
      options.onEvent?.({ event: 'notebook_done', notebook: name, seconds: (Date.now() - started) / 1000 });
      return;
    }
    options.onEvent?.({ ...event, notebook: name } as unknown as RunnerEvent);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onSignal);
  });
  if (interrupted) throw new NotebookInterruptedError(name, executed);
  if (failure) {
    throw new NotebookFailedError(
      name,
      failure.position as number | undefined,
      (failure.id as string | null) ?? undefined,
      String(failure.ename),
      String(failure.evalue),
      String(failure.source ?? ''),
      executed,
    );
  }
  if (code !== 0) {
    const tail = stderr.join('').trim().split('\n').slice(-15).join('\n');
    throw new Error(`${name}: Jupyter exited with code ${code} before running the notebook:\n${tail}`);
  }
  return { notebook: name, executed, html, seconds: (Date.now() - started) / 1000 };
}
