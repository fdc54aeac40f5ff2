/**
 * Finds and loads actlab's optional oneDNN addon (native/build/Release/actlab_onednn.node,
 * built by native/install.js during `npm ci` when oneDNN and a compiler are present).
 * Loading is lazy and happens once; nothing else in actlab needs the addon.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The addon's functions; every array is written or read in place (see native/src/addon.cc). */
export interface OneDnnAddon {
  version(): string;
  /** kind 0 forward (x, filter → y), 1 input gradient (dy, filter → dx), 2 filter gradient (x, dy → dfilter). */
  conv(kind: 0 | 1 | 2, geometry: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** The oneDNN implementation `conv` runs for this kind and geometry, e.g. "jit:avx2" (for tests). */
  convImplementation(kind: 0 | 1 | 2, geometry: Int32Array): string;
  normForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  normBackward(
    dy: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    gamma: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  /** kind 0 max (x → y), 1 average (x → y), 2 max gradient (x, dy → dx), 3 average gradient (dy → dx). */
  pool(kind: 0 | 1 | 2 | 3, geometry: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** Max pooling in plain loops, pool()'s geometry: x → y. */
  maxPool(geometry: Int32Array, x: Float32Array, y: Float32Array): void;
  /** Its gradient from the forward's output: dy goes to the first cell of each window equal to y. */
  maxPoolGrad(geometry: Int32Array, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  /** a [batchA,M,K] (or [batchA,K,M] transposed) × b [batchB,K,N] (or [batchB,N,K]) → out [max batch,M,N]; a batch of 1 broadcasts. */
  matMul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batchA: number,
    batchB: number,
    m: number,
    k: number,
    n: number,
    transposeA: number,
    transposeB: number,
  ): void;
  /** out[c] = Σ_r x[r,c] (mean: divided by rows). */
  reduceRows(x: Float32Array, out: Float32Array, rows: number, cols: number, mean: number): void;
  /** out[r,c] = x[r,c] + row[c]. */
  addRow(x: Float32Array, row: Float32Array, out: Float32Array, rows: number, cols: number): void;
}

/** The addon, or why it is not in use (one line, with the fix). */
export type OneDnnStatus =
  | { readonly loaded: true; readonly addon: OneDnnAddon; readonly threads: number; readonly file: string }
  | { readonly loaded: false; readonly reason: string };

export const ONEDNN_ADDON_FILE = path.join('native', 'build', 'Release', 'actlab_onednn.node');

/** How to get the addon, for messages. */
export const ONEDNN_HOW =
  'apt-get install libdnnl-dev g++ make python3 (macOS: brew install onednn), then run node native/install.js in the actlab folder';

let status: OneDnnStatus | undefined;

const ADDON_FUNCTIONS: readonly (keyof OneDnnAddon)[] = [
  'version',
  'conv',
  'convImplementation',
  'normForward',
  'normBackward',
  'pool',
  'maxPool',
  'maxPoolGrad',
  'matMul',
  'reduceRows',
  'addRow',
];

/** The addon file above `from` (the package root holds native/), or undefined. */
function findAddon(from: string): string | undefined {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const file = path.join(dir, ONEDNN_ADDON_FILE);
    if (fs.existsSync(file)) return file;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** oneDNN's thread count: ACTLAB_THREADS (at most the cores, as for the wasm kernels), else every core. */
function threadCount(): number {
  const asked = Number(process.env.ACTLAB_THREADS);
  const cores = os.availableParallelism();
  return Number.isInteger(asked) && asked >= 1 ? Math.min(asked, cores) : cores;
}

/**
 * Loads the addon once (later calls return the same answer). `ACTLAB_NATIVE=0`
 * turns it off; `ACTLAB_NATIVE_ADDON` names another .node file (tests use it).
 */
export function loadOneDnn(): OneDnnStatus {
  if (status) return status;
  if (process.env.ACTLAB_NATIVE === '0') {
    status = { loaded: false, reason: 'oneDNN kernels off (ACTLAB_NATIVE=0)' };
    return status;
  }
  const file = process.env.ACTLAB_NATIVE_ADDON || findAddon(__dirname);
  if (!file || !fs.existsSync(file)) {
    status = { loaded: false, reason: `oneDNN kernels not built; for native speed without tfjs-node: ${ONEDNN_HOW}` };
    return status;
  }
  const threads = threadCount();
  try {
    const { addon, ompThreads } = requireWithOpenMpSettings(file, threads);
    addon.version();
    // A build from an older actlab lacks the newer functions: say so instead of failing mid-training.
    const missing = ADDON_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
    if (missing.length > 0) {
      status = {
        loaded: false,
        reason: `the oneDNN addon at ${file} predates this actlab (no ${missing.join(', ')}); rebuild it: node native/install.js`,
      };
      return status;
    }
    status = { loaded: true, addon, threads: ompThreads, file };
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim();
    status = { loaded: false, reason: `oneDNN kernels failed to load (${why}); using the wasm kernels` };
  }
  return status;
}

/**
 * Loads the addon with OpenMP's settings in the environment: libgomp reads
 * them once, when the addon's libraries load, so they are set for that moment
 * only and put back after, leaving this process's environment (and its
 * children's: ffmpeg, a PyTorch benchmark) as it was. A setting the user made
 * wins. Passive waiting: between kernels the JS thread runs the other ops, and
 * a spinning OpenMP worker on a busy 2-core machine made a ResNeXt step 4x
 * slower (19.7 vs 4.4 samples/s).
 */
function requireWithOpenMpSettings(file: string, threads: number): { addon: OneDnnAddon; ompThreads: number } {
  const before = { OMP_NUM_THREADS: process.env.OMP_NUM_THREADS, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY };
  process.env.OMP_NUM_THREADS ??= String(threads);
  process.env.OMP_WAIT_POLICY ??= 'passive';
  const ompThreads = Number(process.env.OMP_NUM_THREADS) || threads;
  try {
    return { addon: require(file) as OneDnnAddon, ompThreads };
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
