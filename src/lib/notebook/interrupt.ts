/**
 * Kernel > Interrupt for long library calls, and the guard against training
 * one model in two cells at once.
 *
 * How a tslab kernel is interrupted: its kernel.json sets no `interrupt_mode`,
 * so Jupyter sends SIGINT to the kernel's process group. tslab's only SIGINT
 * listener (tslab/dist/main.js) rejects the promise the cell is awaiting with
 * "Interrupted asynchronously": the cell ends at once with that stack trace,
 * but nothing stops the work, which keeps printing into later cells.
 *
 * While an {@link interruptScope} is open in a kernel, the first interrupt is
 * the library's instead: tslab's listener is set aside, every open scope's
 * signal aborts, the loops stop at their next step and the cell ends with
 * their one-line message. An interrupt that comes while every open scope has
 * already aborted (the work has not reached its next step yet) goes to tslab
 * as before, so a second Kernel > Interrupt always frees the cell. (While a
 * cell's synchronous part runs, vm's breakOnSigint has removed every SIGINT
 * listener, tslab's too; a scope opened then takes over once that part ends.)
 * Outside a kernel no listener is touched: Ctrl-C keeps Node's default (exit)
 * unless the caller handles SIGINT itself and passes its own signal.
 */
import * as path from 'node:path';

import { inNotebook } from './display';

/**
 * A long call stopped by Kernel > Interrupt. Its stack is only its message, so
 * the notebook shows one line (`[InterruptedError: ...]`), not library internals.
 */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** One long call's view of interrupts; {@link InterruptScope.close} it when the call ends, also on error. */
export interface InterruptScope {
  /** Aborts on the next Kernel > Interrupt or when the caller's signal aborts. */
  readonly signal: AbortSignal;
  /** True when a kernel interrupt (not the caller's signal) aborted `signal`. */
  readonly interrupted: boolean;
  /**
   * Throws when `signal` has aborted: the caller's own abort reason, or for a
   * kernel interrupt an {@link InterruptedError} with `describe()` as its message.
   */
  throwIfAborted(describe: () => string): void;
  /** Stops listening; idempotent. */
  close(): void;
}

type Listener = (...args: unknown[]) => void;

interface OpenScope {
  readonly controller: AbortController;
  interrupted: boolean;
}

const open = new Set<OpenScope>();
/** tslab's SIGINT listeners, set aside while a scope is open in a kernel. */
let setAside: Listener[] | undefined;

function onSigint(): void {
  const running = [...open].filter((scope) => !scope.controller.signal.aborted);
  if (running.length === 0) {
    // A second interrupt before the work noticed the first: tslab stops waiting for the cell.
    for (const listener of setAside ?? []) listener.call(process, 'SIGINT');
    return;
  }
  for (const scope of running) {
    scope.interrupted = true;
    scope.controller.abort(new InterruptedError('interrupted by Kernel > Interrupt'));
  }
}

/**
 * Takes SIGINT over from tslab. Only in a kernel that already listens for
 * SIGINT: swapping one listener for another keeps Node's default off there
 * and never turns it off anywhere else.
 */
function takeSigint(deferred = false): void {
  if (setAside || open.size === 0 || !inNotebook()) return;
  if (process.listenerCount('SIGINT') === 0) {
    // tslab runs a cell's synchronous part with vm's breakOnSigint, which removes every SIGINT
    // listener until that part returns and then adds them back: take over right after that.
    if (!deferred) queueMicrotask(() => takeSigint(true));
    return;
  }
  setAside = process.rawListeners('SIGINT') as Listener[];
  // Add before removing: with no listener at all Node restores the default action (exit) for a moment.
  process.on('SIGINT', onSigint);
  for (const listener of setAside) process.removeListener('SIGINT', listener);
}

function giveSigintBack(): void {
  if (!setAside || open.size > 0) return;
  for (const listener of setAside) process.on('SIGINT', listener);
  process.removeListener('SIGINT', onSigint);
  setAside = undefined;
}

/**
 * Opens a scope for one long call: its signal aborts on the next Kernel >
 * Interrupt (in a tslab kernel) or when `signal` aborts. Close it in a
 * `finally`; until every open scope is closed, tslab's own interrupt handling
 * waits behind the library's.
 */
export function interruptScope(signal?: AbortSignal): InterruptScope {
  const scope: OpenScope = { controller: new AbortController(), interrupted: false };
  const forward = () => scope.controller.abort(signal?.reason);
  if (signal?.aborted) forward();
  else signal?.addEventListener('abort', forward, { once: true });
  open.add(scope);
  takeSigint();
  let closed = false;
  return {
    signal: scope.controller.signal,
    get interrupted() {
      return scope.interrupted;
    },
    throwIfAborted(describe) {
      if (!scope.controller.signal.aborted) return;
      if (scope.interrupted) throw new InterruptedError(describe());
      throw scope.controller.signal.reason;
    },
    close() {
      if (closed) return;
      closed = true;
      signal?.removeEventListener('abort', forward);
      open.delete(scope);
      giveSigintBack();
    },
  };
}

/** Runs `work` with an {@link interruptScope}'s signal and closes the scope when it settles. */
export async function withInterrupt<T>(
  signal: AbortSignal | undefined,
  work: (scope: InterruptScope) => Promise<T>,
): Promise<T> {
  const scope = interruptScope(signal);
  try {
    return await work(scope);
  } finally {
    scope.close();
  }
}

/** A training in progress, as {@link trainingNow} lists it. */
export interface ActiveTraining {
  /** The model's name (`model.name`). */
  readonly model: string;
  /** Its run folder, absolute, when it has one. */
  readonly runDir?: string;
  readonly since: Date;
}

const training = new Map<object, ActiveTraining>();

/**
 * Marks `model` (and `runDir`) as training until the returned release function
 * runs. Throws when the same model object, or another model with the same
 * runDir, is still training: re-running a training cell while the first run
 * goes on would interleave two runs in one model and one history.json.
 */
export function claimTraining(model: { readonly name: string }, runDir?: string): () => void {
  const dir = runDir === undefined ? undefined : path.resolve(runDir);
  const where = inNotebook()
    ? 'in another cell; interrupt it (Kernel > Interrupt) or wait for it to finish'
    : 'in another call; abort it (its signal) or await it first';
  if (training.has(model)) throw new Error(`train: model "${model.name}" is still training ${where}`);
  const sharing = dir === undefined ? undefined : [...training.values()].find((t) => t.runDir === dir);
  if (sharing) {
    throw new Error(
      `train: runDir ${dir} is in use by model "${sharing.model}", still training ${where}; or pass another runDir`,
    );
  }
  training.set(model, { model: model.name, ...(dir === undefined ? {} : { runDir: dir }), since: new Date() });
  return () => training.delete(model);
}

/** The trainings running now in this process (e.g. in earlier cells). */
export function trainingNow(): readonly ActiveTraining[] {
  return [...training.values()];
}
