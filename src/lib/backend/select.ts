/**
 * Picks the fastest TensorFlow.js backend this machine can run and says why.
 *
 * Order tried: `@tensorflow/tfjs-node-gpu` → `@tensorflow/tfjs-node` → `wasm` → `cpu`.
 * The two native packages register the same backend name, `tensorflow`.
 */
import * as tf from '@tensorflow/tfjs';

import {
  type ConvThreadsInfo,
  applyKernelPacks,
  oneDnnNote,
  registerActlabKernels,
  registerOneDnnKernels,
  startConvThreads,
  stopConvThreads,
} from '../kernels';
import { measureGpuPlacement } from './gpu-placement';

/** Backend names a user may force with `ACTLAB_BACKEND`. */
export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendInfo {
  /** The tfjs backend now active. */
  readonly name: BackendName;
  /** One sentence: why this backend (forced, or what the faster ones lacked). */
  readonly reason: string;
  /** The npm package that provides it. */
  readonly provider: string;
  /** True for the native libtensorflow backends. */
  readonly native: boolean;
  /** True when the native backend was built with CUDA. */
  readonly gpu: boolean;
  /** Names of the actlab kernel packs registered on top of the backend. */
  readonly kernelPacks: readonly string[];
  /**
   * Threads sharing each large convolution (wasm only; 1 elsewhere, where the
   * backend does its own threading or has none), and why fewer than the cores.
   */
  readonly threads: ConvThreadsInfo;
  /** The one line {@link initBackend} prints. */
  readonly summary: string;
}

export interface InitBackendOptions {
  /**
   * Force a backend instead of picking the fastest. A forced backend that cannot
   * start is an error, never a silent fallback.
   * @default process.env.ACTLAB_BACKEND, else automatic
   */
  readonly backend?: string;
  /**
   * Where the one-line summary goes; `null` prints nothing.
   * @default console.log
   */
  readonly log?: ((line: string) => void) | null;
  /**
   * Threads for actlab's wasm convolutions, the calling one included (used as
   * given; ACTLAB_THREADS above the core count is capped, with a warning).
   * @default process.env.ACTLAB_THREADS, else every core (at most 8)
   */
  readonly threads?: number;
}

/** Thrown when a backend was asked for by name and cannot be used. */
export class BackendError extends Error {
  override name = 'BackendError';
}

const NATIVE_HINT =
  'for native speed: npm install @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu with CUDA), then restart';

let current: BackendInfo | undefined;
/** initBackend calls, one at a time: overlapping ones would each start a backend and a set of workers. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Validates a backend name from the user (`ACTLAB_BACKEND` or an option).
 * Returns `undefined` for "pick automatically" (unset or empty).
 */
export function parseBackendName(value: string | undefined): BackendName | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const name = value.trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw new BackendError(
    `ACTLAB_BACKEND="${value}" is not a backend actlab knows; allowed values: ${BACKEND_NAMES.join(', ')} (or unset it to pick the fastest available).`,
  );
}

/**
 * Starts the fastest available backend (or the forced one), registers actlab's
 * kernel packs for it and prints one line saying which backend runs.
 * Calling it again with the same request returns the backend already chosen;
 * overlapping calls run one after the other.
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => select(options));
  queue = run.catch(() => undefined);
  return run;
}

async function select(options: InitBackendOptions): Promise<BackendInfo> {
  const forced = parseBackendName(options.backend ?? process.env.ACTLAB_BACKEND);
  if (current && (forced === undefined || forced === current.name) && tf.getBackend() === current.name) {
    if (options.threads === undefined || current.name !== 'wasm' || options.threads === current.threads.threads) {
      return current;
    }
    const threads = await startConvThreads({ threads: options.threads });
    current = { ...current, threads, summary: describe(current, current.kernelPacks, threads) };
    return current;
  }
  const picked = forced ? await startForced(forced) : await startFastest();
  registerActlabKernels();
  registerOneDnnKernels(); // after the others, so its kernels win
  const kernelPacks = applyKernelPacks(picked.name);
  // The conv workers serve the wasm kernels only: another backend has no use for them.
  if (picked.name !== 'wasm') await stopConvThreads();
  const threads: ConvThreadsInfo =
    picked.name === 'wasm'
      ? await startConvThreads({ threads: options.threads })
      : { threads: 1, note: `${picked.name} backend` };
  const summary = describe(picked, kernelPacks, threads);
  current = { ...picked, kernelPacks, threads, summary };
  const log = options.log === undefined ? console.log : options.log;
  log?.(summary);
  return current;
}

type Started = Omit<BackendInfo, 'kernelPacks' | 'threads' | 'summary'>;

interface Attempt {
  readonly started?: Started;
  /** Why it could not start, one line. */
  readonly failure?: string;
}

async function startForced(name: BackendName): Promise<Started> {
  const attempt = await tryStart(name);
  if (attempt.started)
    return { ...attempt.started, reason: joinReasons(attempt.started.reason, `forced by ACTLAB_BACKEND=${name}`) };
  throw new BackendError(
    `ACTLAB_BACKEND=${name} was asked for but cannot start: ${attempt.failure}. ` +
      `Install what it needs or unset ACTLAB_BACKEND to pick the fastest available backend.`,
  );
}

async function startFastest(): Promise<Started> {
  const failures: string[] = [];
  for (const name of BACKEND_NAMES) {
    const attempt = await tryStart(name);
    if (attempt.started) {
      const reason = failures.length === 0 ? 'fastest available' : failures.join('; ');
      return { ...attempt.started, reason: joinReasons(attempt.started.reason, reason) };
    }
    failures.push(attempt.failure ?? `${name} failed`);
  }
  throw new BackendError(`no TensorFlow.js backend could start: ${failures.join('; ')}`);
}

async function tryStart(name: BackendName): Promise<Attempt> {
  switch (name) {
    case 'tensorflow':
      return startNative();
    case 'wasm':
      return startWasm();
    case 'cpu':
      if (!(await activate('cpu'))) return { failure: 'the cpu backend did not start' };
      // Our own line already says how to get native speed: skip the cpu backend's banner.
      (tf.findBackend('cpu') as unknown as { firstUse?: boolean }).firstUse = false;
      return { started: { name: 'cpu', reason: '', provider: '@tensorflow/tfjs', native: false, gpu: false } };
  }
}

async function startNative(): Promise<Attempt> {
  const misses: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const loaded = loadModule(pkg);
    if (loaded !== true) {
      misses.push(`${pkg} ${loaded}`);
      continue;
    }
    if (await activate('tensorflow')) {
      // tfjs-node-gpu falls back to the CPU without a word when CUDA 11 is missing: ask TensorFlow's device list.
      const placement = pkg.endsWith('-gpu') ? measureGpuPlacement(tf.backend()) : { gpu: false, note: '' };
      return {
        started: { name: 'tensorflow', reason: placement.note, provider: pkg, native: true, gpu: placement.gpu },
      };
    }
    misses.push(`${pkg} loaded but its backend did not start`);
  }
  // Both misses say the same thing when neither is installed: keep it short.
  const allMissing = misses.every((m) => m.endsWith('is not installed'));
  return { failure: allMissing ? 'tfjs-node is not installed' : misses.join('; ') };
}

async function startWasm(): Promise<Attempt> {
  const loaded = loadModule('@tensorflow/tfjs-backend-wasm');
  if (loaded !== true) return { failure: `@tensorflow/tfjs-backend-wasm ${loaded}` };
  if (await activate('wasm')) {
    return {
      started: { name: 'wasm', reason: '', provider: '@tensorflow/tfjs-backend-wasm', native: false, gpu: false },
    };
  }
  return { failure: 'the wasm backend did not initialise' };
}

/** Requires a package for its side effect (it registers a backend); returns true or why not. */
function loadModule(pkg: string): true | string {
  try {
    require(pkg);
    return true;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'MODULE_NOT_FOUND' && err.message.includes(`'${pkg}'`)) return 'is not installed';
    return `failed to load (${firstLine(err.message)})`;
  }
}

async function activate(name: string): Promise<boolean> {
  if (!tf.findBackendFactory(name)) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  } finally {
    await tf.ready().catch(() => undefined);
  }
}

function describe(started: Started, kernelPacks: readonly string[], threads: ConvThreadsInfo): string {
  const where = started.gpu ? ' on the GPU' : '';
  let packs = kernelPacks.length > 0 ? ` + actlab kernels (${kernelPacks.join(', ')})` : '';
  if (started.name === 'wasm') {
    const count = `${threads.threads} thread${threads.threads === 1 ? '' : 's'}`;
    packs += ` on ${count}${threads.note ? `: ${threads.note}` : ''}`;
  }
  const head = `actlab: TensorFlow.js backend "${started.name}"${where} from ${started.provider}${packs} (${started.reason})`;
  if (started.native) return head;
  const oneDnn = oneDnnNote();
  if (oneDnn) return `${head}; ${oneDnn}; ${NATIVE_HINT}`;
  // With the oneDNN kernels in use, training already runs natively: no hint to install more.
  return kernelPacks.includes('onednn') ? head : `${head}; ${NATIVE_HINT}`;
}

function joinReasons(...reasons: string[]): string {
  return reasons.filter(Boolean).join('; ');
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}
