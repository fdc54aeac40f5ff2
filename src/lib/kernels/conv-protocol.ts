/** The shared-memory handshake between the main thread and a conv worker (see conv-worker.ts). */
import type { MessagePort } from 'node:worker_threads';

/** Slots of the control Int32Array. */
export const CONTROL = {
  /** Sequence number of the last job posted; -1 asks the worker to stop. */
  JOB: 0,
  /** Sequence number of the last job finished. */
  DONE: 1,
  /** 0 when the last job succeeded; 1 when it failed (the error text follows on the port). */
  STATUS: 2,
  /** The exit code of a worker that ended on its own (see {@link EXITED}). */
  EXIT_CODE: 3,
  LENGTH: 4,
} as const;

/**
 * Written to DONE by a worker as it exits on its own (process.exit, an uncaught
 * error): the main thread, blocked in a kernel, cannot see the 'exit' event.
 */
export const EXITED = -2;

export interface ConvWorkerData {
  readonly control: Int32Array;
  readonly port: MessagePort;
}
