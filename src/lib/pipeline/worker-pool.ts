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
}

export interface BatchWorkers {
  /** `[clips.length, T',H',W',C]` float32, filled by a worker. Posts the request before returning. */
  run(request: Omit<BatchRequest, 'id'>): Promise<Float32Array>;
  /** Stops the threads; pending requests reject. */
  close(): Promise<void>;
}

/** Worker threads over the cache in `dir`, started on first use. */
export function createBatchWorkers(dir: string, options: BatchWorkerOptions = {}): BatchWorkers {
  const count = options.count ?? 1;
  const idleMs = options.idleMs ?? 5000;
  const waiting = new Map<number, { resolve: (xs: Float32Array) => void; reject: (error: Error) => void }>();
  const script = path.join(__dirname, 'batch-worker.js');
  let workers: Worker[] = [];
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 0;
  let closed = false;

  const failAll = (error: Error): void => {
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  const stop = async (): Promise<void> => {
    const stopping = workers;
    workers = [];
    await Promise.all(
      stopping.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.ref(); // someone may be awaiting this: keep the process up until the thread ends
            worker.postMessage({ close: true } satisfies CloseRequest);
          }),
      ),
    );
  };
  const start = (): Worker[] => {
    workers = Array.from({ length: count }, () => {
      const worker = new Worker(script, { workerData: { dir } satisfies BatchWorkerData });
      worker.on('message', (reply: BatchReply) => {
        const pending = waiting.get(reply.id);
        waiting.delete(reply.id);
        if (waiting.size === 0) idle();
        if (!pending) return;
        if ('error' in reply) pending.reject(new Error(reply.error));
        else pending.resolve(reply.xs);
      });
      worker.on('error', failAll);
      worker.unref(); // after the listeners: attaching one refs the worker's port again
      return worker;
    });
    return workers;
  };
  const idle = (): void => {
    for (const worker of workers) worker.unref();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void stop(), idleMs);
    idleTimer.unref();
  };

  return {
    run(request) {
      if (closed) return Promise.reject(new Error('the pipeline was closed; create a new one'));
      clearTimeout(idleTimer);
      const pool = workers.length > 0 ? workers : start();
      const id = nextId++;
      const worker = pool[id % pool.length] as Worker;
      return new Promise<Float32Array>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        // A request in flight keeps the process alive until its batch comes back.
        for (const w of pool) w.ref();
        worker.postMessage({ ...request, id } satisfies BatchRequest);
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
