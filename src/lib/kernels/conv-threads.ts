/**
 * Convolutions on several cores. tfjs kernels are synchronous, so the calling
 * thread hands slices of a convolution to worker threads (each with its own
 * wasm GEMM), computes its own slice, then blocks until the workers are done.
 * Operands travel in SharedArrayBuffers that are reused from call to call, so
 * a job copies nothing but its description.
 *
 * Forward and filter gradient split the output positions (rows); the input
 * gradient splits whole samples, since col2im of neighbouring rows adds onto
 * the same input values. A fixed thread count gives the same bits every run;
 * another count may differ in the last bits of the filter gradient (its
 * partial sums are added in another order).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

import type * as tf from '@tensorflow/tfjs';

import type { BackendHost } from './backend-host';
import { type ConvGeometry, outputPositions, patchSize } from './conv-geometry';
import {
  convBackpropFilter,
  convBackpropFilterRows,
  convBackpropInput,
  convBackpropInputInto,
  convForward,
  convForwardRows,
} from './conv-im2col';
import type { ConvJob } from './conv-jobs';
import { CONTROL, type ConvWorkerData, EXITED } from './conv-protocol';

export interface ConvThreadsOptions {
  /**
   * Threads that share each convolution, the calling one included; 1 runs
   * everything on the calling thread. Used as given (tests and benchmarks
   * oversubscribe on purpose); ACTLAB_THREADS above the core count is capped.
   * @default ACTLAB_THREADS (at most the cores), else the number of cores (at most 8)
   */
  readonly threads?: number;
  /**
   * Smallest convolution (in multiply-adds) worth splitting: below it, handing
   * work over costs more than it saves.
   * @default 4e6
   */
  readonly minMacs?: number;
  /**
   * How long a worker may take past the calling thread's own share before it
   * counts as hung (or 50× that share's time, if longer); one deadline for all.
   * Generous, because a busy machine can stall a healthy worker for seconds.
   * @default 60000
   */
  readonly answerTimeoutMs?: number;
  /**
   * Where the warning about a capped ACTLAB_THREADS goes; `null` drops it.
   * @default console.warn
   */
  readonly warn?: ((line: string) => void) | null;
  /**
   * The script each worker thread runs; it must serve jobs as conv-worker.js
   * does (tests start workers that die or hang with it).
   * @default the conv-worker.js beside this file
   */
  readonly workerScript?: string;
}

export interface ConvThreadsInfo {
  /** Threads sharing each large convolution (1: no workers). */
  readonly threads: number;
  /** Why fewer threads than cores run, when that is so; empty otherwise. */
  readonly note: string;
}

/** Thrown for a bad ACTLAB_THREADS value or a worker thread that failed mid-kernel. */
export class ConvThreadsError extends Error {
  override name = 'ConvThreadsError';
}

const MAX_DEFAULT_THREADS = 8;
const START_TIMEOUT_MS = 60_000;

interface Slot {
  readonly worker: Worker;
  readonly control: Int32Array;
  readonly port: MessagePort;
  seq: number;
}

let slots: Slot[] = [];
let minMacs = 4e6;
/** A worker's slice is as large as the caller's; this long past the caller's own finish means it hangs. */
let answerTimeoutMs = 60_000;
/** Starts and stops, one at a time: overlapping calls would each start a set of workers. */
let queue: Promise<unknown> = Promise.resolve();
/** Settles when every worker stopped so far has exited. */
let ending: Promise<void> = Promise.resolve();
let info: ConvThreadsInfo = { threads: 1, note: 'worker threads not started' };
/** Jobs handed to workers so far (tests check that work really was shared). */
let jobsShared = 0;
/** Worker threads started and not yet exited, leaked ones included (tests check for leaks). */
let liveWorkers = 0;
const DEFAULT_WORKER_SCRIPT = path.join(__dirname, 'conv-worker.js');
/** The script the running workers were started with. */
let workerScript = DEFAULT_WORKER_SCRIPT;

/** Reads ACTLAB_THREADS: undefined when unset or empty, else a whole number ≥ 1. */
export function parseThreads(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ConvThreadsError(
      `ACTLAB_THREADS="${value}" must be a whole number ≥ 1 (1 runs convolutions on one thread); unset it to use every core`,
    );
  }
  return threads;
}

/**
 * Starts (or resizes to) the worker threads the convolution kernels share work
 * with. Never throws for a worker that cannot start: it then reports one thread
 * and why in `note`.
 */
export function startConvThreads(options: ConvThreadsOptions = {}): Promise<ConvThreadsInfo> {
  return serially(() => start(options));
}

async function start(options: ConvThreadsOptions): Promise<ConvThreadsInfo> {
  if (options.minMacs !== undefined) minMacs = options.minMacs;
  if (options.answerTimeoutMs !== undefined) answerTimeoutMs = options.answerTimeoutMs;
  const cores = os.availableParallelism();
  const fromEnv = parseThreads(process.env.ACTLAB_THREADS);
  // More threads than cores only queue for them (64 on 2 cores: 8 s and 2 GB to start, conv3d 10× slower).
  const capped = options.threads === undefined && fromEnv !== undefined && fromEnv > cores;
  const threads = options.threads ?? (capped ? cores : fromEnv) ?? Math.min(cores, MAX_DEFAULT_THREADS);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new ConvThreadsError(`threads must be a whole number ≥ 1; got ${threads}`);
  }
  const script = options.workerScript ?? DEFAULT_WORKER_SCRIPT;
  if (threads > 1 && threads === slots.length + 1 && script === workerScript) return info;
  if (capped) {
    const warn = options.warn === undefined ? console.warn : options.warn;
    warn?.(
      `actlab: ACTLAB_THREADS=${fromEnv} is more than the ${cores} cores here: using ${cores} thread${cores === 1 ? '' : 's'} ` +
        '(more threads than cores only slow convolutions down)',
    );
  }
  const note = capped ? `ACTLAB_THREADS=${fromEnv} capped at ${cores} core${cores === 1 ? '' : 's'}` : '';
  await stopNow();
  workerScript = script;
  if (threads === 1) {
    const why = options.threads === undefined && fromEnv === undefined ? 'one core' : 'asked for 1 thread';
    info = { threads: 1, note: note || why };
    return info;
  }
  const started = await Promise.allSettled(Array.from({ length: threads - 1 }, () => startWorker()));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const ready = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (failed) {
    await Promise.all(ready.map((slot) => slot.worker.terminate()));
    info = { threads: 1, note: `worker threads unavailable (${(failed.reason as Error).message})` };
    return info;
  }
  slots = ready;
  info = { threads, note };
  return info;
}

/** Stops the worker threads; convolutions then run on the calling thread. */
export function stopConvThreads(): Promise<void> {
  return serially(stopNow);
}

/** Runs `task` after every start or stop queued before it. */
function serially<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task);
  queue = run.catch(() => undefined);
  return run;
}

/** Stops the workers now (not queued: a failed kernel calls it). Resolves once every worker stopped so far has exited. */
function stopNow(): Promise<void> {
  const stopping = slots;
  slots = [];
  info = { threads: 1, note: 'worker threads stopped' };
  for (const slot of stopping) {
    Atomics.store(slot.control, CONTROL.JOB, -1);
    Atomics.notify(slot.control, CONTROL.JOB);
  }
  // Includes earlier stops: one a failed kernel began may still be under way.
  ending = Promise.all([ending, ...stopping.map((slot) => slot.worker.terminate())]).then(() => undefined);
  return ending;
}

/**
 * How many threads share large convolutions now, how many jobs workers have
 * taken so far, and how many worker threads are running (stopped ones go once
 * they have exited).
 */
export function convThreads(): ConvThreadsInfo & { readonly jobsShared: number; readonly liveWorkers: number } {
  return { ...info, jobsShared, liveWorkers };
}

function startWorker(): Promise<Slot> {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL.LENGTH * Int32Array.BYTES_PER_ELEMENT));
  const { port1, port2 } = new MessageChannel();
  const data: ConvWorkerData = { control, port: port2 };
  const worker = new Worker(workerScript, { workerData: data, transferList: [port2] });
  liveWorkers++;
  worker.once('exit', () => liveWorkers--);
  return new Promise<Slot>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`a worker did not start in ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    worker.once('message', (message: { ready?: boolean; error?: string }) => {
      if (!message.ready) return fail(new Error(message.error ?? 'a worker failed to start'));
      settled = true;
      clearTimeout(timer);
      // Neither the worker nor its port may keep a finished script alive.
      worker.unref();
      port1.unref();
      const slot: Slot = { worker, control, port: port1, seq: 0 };
      // A worker that exits later (it should not) is dropped; its share runs here.
      worker.once('exit', () => {
        slots = slots.filter((s) => s !== slot);
        if (slots.length === 0) info = { threads: 1, note: 'a worker thread exited' };
      });
      resolve(slot);
    });
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`a worker exited with code ${code} while starting`)));
  });
}

/** SharedArrayBuffers reused across calls, one per operand role. */
const scratchBuffers = new Map<string, SharedArrayBuffer>();

/** A shared float view of `floats` elements for `role`; its old contents are garbage. */
function scratch(role: string, floats: number): Float32Array {
  const bytes = floats * Float32Array.BYTES_PER_ELEMENT;
  let buffer = scratchBuffers.get(role);
  if (!buffer || buffer.byteLength < bytes) {
    // Grow by half again so a slowly growing shape does not reallocate every call.
    buffer = new SharedArrayBuffer(Math.max(bytes, Math.ceil(((buffer?.byteLength ?? 0) * 1.5) / 4) * 4));
    scratchBuffers.set(role, buffer);
  }
  return new Float32Array(buffer, 0, floats);
}

function readShared(host: BackendHost, role: string, t: tf.TensorInfo): Float32Array {
  const view = scratch(
    role,
    t.shape.reduce((a, b) => a * b, 1),
  );
  host.readInto(t, view);
  return view;
}

/** Threads to split `macs` of work over `units` independent pieces. */
function shareCount(macs: number, units: number): number {
  // A worker that exited between kernels may not have had its 'exit' event yet: never post to it.
  slots = slots.filter((slot) => Atomics.load(slot.control, CONTROL.DONE) !== EXITED);
  if (slots.length === 0 || macs < minMacs) return 1;
  return Math.max(1, Math.min(slots.length + 1, units));
}

/** `parts + 1` boundaries splitting [0, total) into nearly equal runs. */
function splitRange(total: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, i) => Math.round((total * i) / parts));
}

/**
 * Posts jobs[i] to worker i, runs `local` here, then waits for every worker.
 * Waits even when `local` throws: the shared buffers must not be reused while
 * a worker still writes into them.
 */
function runShared(jobs: readonly ConvJob[], local: () => void): void {
  const posted = slots.slice(0, jobs.length);
  posted.forEach((slot, i) => {
    slot.port.postMessage(jobs[i]);
    slot.seq++;
    Atomics.store(slot.control, CONTROL.JOB, slot.seq);
    Atomics.notify(slot.control, CONTROL.JOB);
    jobsShared++;
  });
  const started = performance.now();
  let localError: unknown;
  try {
    local();
  } catch (error) {
    localError = error;
  }
  // One deadline for all the workers: hung ones cost one timeout, not one each.
  const limit = Math.max(answerTimeoutMs, (performance.now() - started) * 50);
  const deadline = performance.now() + limit;
  const outcomes = posted.map((slot) => awaitSlot(slot, deadline));
  const lost = outcomes.find((o) => o === 'hung' || o === 'exited');
  if (lost) {
    // Give up on every worker; a hung one may still write into the scratch buffers, so drop them too.
    void stopNow();
    scratchBuffers.clear();
    info = { threads: 1, note: lost === 'hung' ? 'a worker thread stopped answering' : 'a worker thread exited' };
  }
  if (localError !== undefined) throw localError;
  const failures = outcomes.flatMap((outcome, i) => {
    if (outcome === 'ok') return [];
    if (outcome === 'hung') return [`no answer in ${Math.round(limit / 1000)} s`];
    if (outcome === 'exited') {
      return [`it exited with code ${Atomics.load(posted[i]!.control, CONTROL.EXIT_CODE)} mid-kernel`];
    }
    return [outcome.error];
  });
  if (failures.length > 0) {
    const off = lost ? ' (worker threads are now off)' : '';
    throw new ConvThreadsError(
      `a convolution worker thread failed: ${failures[0]}${off}; set ACTLAB_THREADS=1 to run convolutions on one thread`,
    );
  }
}

/** Blocks until the slot finishes its job, exits, or the deadline passes. */
function awaitSlot(slot: Slot, deadline: number): 'ok' | 'hung' | 'exited' | { error: string } {
  for (;;) {
    const done = Atomics.load(slot.control, CONTROL.DONE);
    if (done === slot.seq) break;
    if (done === EXITED) return 'exited';
    const left = deadline - performance.now();
    if (left <= 0) return 'hung';
    Atomics.wait(slot.control, CONTROL.DONE, done, left);
  }
  if (Atomics.load(slot.control, CONTROL.STATUS) === 0) return 'ok';
  const text = receiveMessageOnPort(slot.port)?.message as string | undefined;
  return { error: text ?? 'unknown error' };
}

/** Conv forward y [M,outC]; shares the rows when threads run. The result may be a reused buffer: copy it out at once. */
export function convForwardOn(
  host: BackendHost,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): Float32Array {
  const rows = outputPositions(g);
  const parts = shareCount(rows * patchSize(g) * g.outChannels, rows);
  if (parts === 1) return convForward(host.read(x), host.read(filter), g, host.gemm);
  const xs = readShared(host, 'x', x);
  const filterValues = readShared(host, 'filter', filter);
  const y = scratch('out', rows * g.outChannels);
  const at = splitRange(rows, parts);
  const jobs: ConvJob[] = at.slice(1, -1).map((rowStart, i) => ({
    kind: 'forward',
    g,
    x: xs,
    filter: filterValues,
    rowStart,
    rowEnd: at[i + 2]!,
    y,
  }));
  runShared(jobs, () => convForwardRows(xs, filterValues, g, host.gemm, at[0]!, at[1]!, y));
  return y;
}

/** Conv filter gradient [K,outC]; each thread sums its rows, then the partial sums are added here. */
export function convBackpropFilterOn(
  host: BackendHost,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): Float32Array {
  const rows = outputPositions(g);
  const size = patchSize(g) * g.outChannels;
  const parts = shareCount(rows * size, rows);
  if (parts === 1) return convBackpropFilter(host.read(x), host.read(dy), g, host.gemm);
  const xs = readShared(host, 'x', x);
  const dys = readShared(host, 'dy', dy);
  const partials = scratch('out', size * (parts - 1));
  const at = splitRange(rows, parts);
  const jobs: ConvJob[] = at.slice(1, -1).map((rowStart, i) => ({
    kind: 'filterGrad',
    g,
    x: xs,
    dy: dys,
    rowStart,
    rowEnd: at[i + 2]!,
    filterGrad: partials.subarray(i * size, (i + 1) * size),
  }));
  const filterGrad = new Float32Array(size);
  runShared(jobs, () => convBackpropFilterRows(xs, dys, g, host.gemm, at[0]!, at[1]!, filterGrad));
  for (let i = 0; i < partials.length; i++) filterGrad[i % size]! += partials[i]!;
  return filterGrad;
}

/** Conv input gradient dx [N,D,H,W,C]; threads take runs of whole samples. The result may be a reused buffer. */
export function convBackpropInputOn(
  host: BackendHost,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): Float32Array {
  const parts = shareCount(outputPositions(g) * patchSize(g) * g.outChannels, g.batch);
  if (parts === 1) return convBackpropInput(host.read(dy), host.read(filter), g, host.gemm);
  const dys = readShared(host, 'dy', dy);
  const filterValues = readShared(host, 'filter', filter);
  const inSample = g.inDepth * g.inHeight * g.inWidth * g.inChannels;
  const outSample = g.outDepth * g.outHeight * g.outWidth * g.outChannels;
  const dx = scratch('out', g.batch * inSample);
  const at = splitRange(g.batch, parts);
  const share = (i: number) => {
    const [first, end] = [at[i]!, at[i + 1]!];
    return {
      g: { ...g, batch: end - first },
      dy: dys.subarray(first * outSample, end * outSample),
      dx: dx.subarray(first * inSample, end * inSample),
    };
  };
  const jobs: ConvJob[] = at.slice(1, -1).map((_, i) => ({ kind: 'inputGrad', filter: filterValues, ...share(i + 1) }));
  runShared(jobs, () => {
    const mine = share(0);
    mine.dx.fill(0);
    convBackpropInputInto(mine.dy, filterValues, mine.g, host.gemm, mine.dx);
  });
  return dx;
}
