/**
 * Main-thread side of the batch workers: sends "read and augment these clips"
 * requests, round-robin, and resolves each with the batch's float32 buffer
 * (transferred, not copied). Threads start on the first request and stop
 * after a few idle seconds, and idle ones are unref'd: a pipeline dropped
 * without `close()` neither keeps the process alive nor holds threads.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import type { ClipAugmentation, TransformTarget } from './augment';

export interface BatchWorkerData {
  /** Cache folder the worker opens. */
  readonly dir: string;
  /** Open the cache's masks and empty scenes too: requests carry scene pastes. */
  readonly scenes: boolean;
}

export interface BatchRequest {
  readonly id: number;
  /** Clip indices in the cache, one per sample. */
  readonly clips: readonly number[];
  /** The augmentation drawn (on the main thread, seeded) for each clip. */
  readonly augs: readonly ClipAugmentation[];
  readonly target: TransformTarget;
  /** Floats per sample: `[T',H',W',C]` flattened. */
  readonly sampleLength: number;
}

/** Tells a worker to close its files and end. */
export interface CloseRequest {
  readonly close: true;
}

export type BatchReply =
  { readonly id: number; readonly xs: Float32Array } | { readonly id: number; readonly error: string };

export interface BatchWorkerOptions {
  /** Threads. @default 1 */
  readonly count?: number;
  /** Stop the threads after this long without a request (they restart on the next). @default 5000 */
  readonly idleMs?: number;
  /** The requests carry scene pastes (`ClipAugmentation.plate`). @default false */
  readonly scenes?: boolean;
}

export interface BatchWorkers {
  /** `[clips.length, T',H',W',C]` float32, filled by a worker. Posts the request before returning. */
  run(request: Omit<BatchRequest, 'id'>): Promise<Float32Array>;
  /** Stops the threads; pending requests reject. */
  close(): Promise<void>;
}

/** One thread and what it owes. */
interface Thread {
  readonly worker: Worker;
  /** Requests posted to it and not answered yet. */
  readonly pending: Set<number>;
  /** Resolves once the thread has ended, however it ended. */
  readonly exited: Promise<void>;
  /** Why it failed, from its 'error' event, for the requests it leaves unanswered. */
  cause?: string;
}

/**
 * Worker threads over the cache in `dir`, started on first use. A thread that
 * dies (an error, process.exit, terminate) leaves the pool at once and its
 * requests reject with the cause; the next request starts a fresh thread.
 */
export function createBatchWorkers(dir: string, options: BatchWorkerOptions = {}): BatchWorkers {
  const count = options.count ?? 1;
  const idleMs = options.idleMs ?? 5000;
  const waiting = new Map<number, { resolve: (xs: Float32Array) => void; reject: (error: Error) => void }>();
  const script = path.join(__dirname, 'batch-worker.js');
  let threads: Thread[] = [];
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 0;
  let closed = false;

  const settle = (id: number): { resolve: (xs: Float32Array) => void; reject: (error: Error) => void } | undefined => {
    const pending = waiting.get(id);
    waiting.delete(id);
    if (waiting.size === 0 && !closed) idle();
    return pending;
  };
  const failAll = (error: Error): void => {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  const stop = async (): Promise<void> => {
    const stopping = threads;
    threads = [];
    for (const { worker } of stopping) {
      worker.ref(); // someone may be awaiting this: keep the process up until the thread ends
      worker.postMessage({ close: true } satisfies CloseRequest);
    }
    // `exited`, not a new 'exit' listener: a thread that already died has nothing left to emit.
    await Promise.all(stopping.map((thread) => thread.exited));
  };
  const spawn = (): Thread => {
    const workerData: BatchWorkerData = { dir, scenes: options.scenes ?? false };
    const worker = new Worker(script, { workerData });
    const thread: Thread = {
      worker,
      pending: new Set(),
      exited: new Promise((resolve) => worker.once('exit', (code: number) => resolve(onExit(thread, code)))),
    };
    worker.on('message', (reply: BatchReply) => {
      thread.pending.delete(reply.id);
      const pending = settle(reply.id);
      if (!pending) return;
      if ('error' in reply) pending.reject(new Error(reply.error));
      else pending.resolve(reply.xs);
    });
    worker.on('error', (error: Error) => {
      thread.cause = error.message;
      threads = threads.filter((t) => t !== thread); // no new request goes to a dying thread
    });
    worker.unref(); // after the listeners: attaching one refs the worker's port again
    return thread;
  };
  const onExit = (thread: Thread, code: number): void => {
    threads = threads.filter((t) => t !== thread);
    if (thread.pending.size === 0) return;
    const why = thread.cause ?? `it exited with code ${code} before answering`;
    const error = new Error(
      `a batch worker thread failed: ${why} (reading the cache in ${dir}); fix that and run again, ` +
        'or pass workers: 0 to read batches on the main thread',
    );
    for (const id of thread.pending) settle(id)?.reject(error);
  };
  const idle = (): void => {
    for (const { worker } of threads) worker.unref();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void stop(), idleMs);
    idleTimer.unref();
  };

  return {
    run(request) {
      if (closed) return Promise.reject(new Error('the pipeline was closed; create a new one'));
      clearTimeout(idleTimer);
      if (threads.length === 0) threads = Array.from({ length: count }, spawn);
      const id = nextId++;
      const thread = threads[id % threads.length] as Thread;
      return new Promise<Float32Array>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        thread.pending.add(id);
        // A request in flight keeps the process alive until its batch comes back.
        for (const { worker } of threads) worker.ref();
        thread.worker.postMessage({ ...request, id } satisfies BatchRequest);
      });
    },
    async close() {
      closed = true;
      clearTimeout(idleTimer);
      failAll(new Error('the pipeline was closed'));
      await stop();
    },
  };
}
