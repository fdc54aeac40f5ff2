/**
 * A lazy, chainable async pipeline (`.map().shuffle().batch().prefetch()`),
 * the same verbs as `tf.data` but over plain values: elements stay typed
 * arrays until the last step, so nothing here owns a tensor and an early
 * `break` leaks nothing. Each `for await` over a pipeline is one pass (epoch).
 */
import { createRng, type Rng } from '../util/random';
import { requireWholeNumber } from '../util/validate';

export interface MapOptions {
  /**
   * Calls of `fn` running at once; results still come out in input order.
   * Use > 1 when `fn` waits on I/O (file reads, ffmpeg).
   * @default 1
   */
  readonly concurrency?: number;
}

export interface BatchOptions {
  /** Drop a last batch smaller than `size`. @default false */
  readonly dropRemainder?: boolean;
}

export interface Pipeline<T> extends AsyncIterable<T> {
  /** Elements one pass yields, or undefined when not known (after `filter`). */
  readonly size: number | undefined;
  /** Applies `fn` to each element, `concurrency` at a time, keeping order. */
  map<U>(fn: (value: T) => U | Promise<U>, options?: MapOptions): Pipeline<U>;
  /** Replaces each element with the elements `fn` returns (e.g. a clip with its frames). */
  flatMap<U>(fn: (value: T) => Iterable<U> | Promise<Iterable<U>>): Pipeline<U>;
  filter(predicate: (value: T) => boolean | Promise<boolean>): Pipeline<T>;
  /**
   * Yields a random element of a buffer of `bufferSize` (tf.data semantics): a
   * full shuffle when `bufferSize >= size`. Seeded; each pass draws a new order
   * from `seed` and the pass number, so runs repeat exactly.
   */
  shuffle(bufferSize: number, seed: number | string): Pipeline<T>;
  /** Groups consecutive elements into arrays of `size`. */
  batch(size: number, options?: BatchOptions): Pipeline<T[]>;
  /** Reads up to `count` elements ahead of the consumer, so upstream work overlaps the consumer's. */
  prefetch(count: number): Pipeline<T>;
  /** Runs the upstream `count` times (a new pass each time); forever when `count` is unset. */
  repeat(count?: number): Pipeline<T>;
  /** The first `count` elements of a pass. */
  take(count: number): Pipeline<T>;
  /** Collects one pass (small pipelines and tests only: it holds every element). */
  toArray(): Promise<T[]>;
}

/** A pipeline whose passes each call `open()`; `size` is the length of a pass when known. */
export function fromIterator<T>(open: () => AsyncIterator<T> | Iterator<T>, size?: number): Pipeline<T> {
  return makePipeline(() => toAsync(open()), size);
}

/** A pipeline over an array (a new pass re-reads it). */
export function fromArray<T>(items: readonly T[]): Pipeline<T> {
  return fromIterator(() => items[Symbol.iterator](), items.length);
}

/** `0, 1, ..., count - 1`: cheap to shuffle whole, then `map` to read each item. */
export function range(count: number): Pipeline<number> {
  requireWholeNumber('range', count, 0);
  return fromIterator(function* () {
    for (let i = 0; i < count; i++) yield i;
  }, count);
}

function makePipeline<T>(open: () => AsyncIterator<T>, size: number | undefined): Pipeline<T> {
  const pipeline: Pipeline<T> = {
    size,
    [Symbol.asyncIterator]: open,
    map: (fn, options = {}) => {
      const concurrency = options.concurrency ?? 1;
      requireWholeNumber('map concurrency', concurrency, 1);
      return makePipeline(() => mapIterator(open(), fn, concurrency), size);
    },
    flatMap: (fn) =>
      makePipeline(async function* () {
        for await (const value of iterable(open)) yield* await fn(value);
      }, undefined),
    filter: (predicate) =>
      makePipeline(async function* () {
        for await (const value of iterable(open)) if (await predicate(value)) yield value;
      }, undefined),
    shuffle: (bufferSize, seed) => {
      requireWholeNumber('shuffle bufferSize', bufferSize, 1);
      let pass = 0;
      return makePipeline(() => shuffleIterator(open(), bufferSize, createRng(`${seed}:shuffle:${pass++}`)), size);
    },
    batch: (batchSize, options = {}) => {
      requireWholeNumber('batch size', batchSize, 1);
      const batches =
        size === undefined
          ? undefined
          : options.dropRemainder
            ? Math.floor(size / batchSize)
            : Math.ceil(size / batchSize);
      return makePipeline(async function* () {
        let current: T[] = [];
        for await (const value of iterable(open)) {
          current.push(value);
          if (current.length === batchSize) {
            yield current;
            current = [];
          }
        }
        if (current.length > 0 && !options.dropRemainder) yield current;
      }, batches);
    },
    prefetch: (count) => {
      requireWholeNumber('prefetch', count, 1);
      return makePipeline(() => prefetchIterator(open(), count), size);
    },
    repeat: (count) => {
      if (count !== undefined) requireWholeNumber('repeat', count, 0);
      return makePipeline(
        async function* () {
          for (let pass = 0; count === undefined || pass < count; pass++) {
            let any = false;
            for await (const value of iterable(open)) {
              any = true;
              yield value;
            }
            if (!any) return; // an empty pipeline repeated forever would spin
          }
        },
        count === undefined || size === undefined ? undefined : size * count,
      );
    },
    take: (count) => {
      requireWholeNumber('take', count, 0);
      return makePipeline(
        async function* () {
          if (count === 0) return;
          let taken = 0;
          for await (const value of iterable(open)) {
            yield value;
            if (++taken >= count) return;
          }
        },
        size === undefined ? undefined : Math.min(size, count),
      );
    },
    toArray: async () => {
      const out: T[] = [];
      for await (const value of iterable(open)) out.push(value);
      return out;
    },
  };
  return pipeline;
}

function iterable<T>(open: () => AsyncIterator<T>): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: open };
}

async function* toAsync<T>(iterator: AsyncIterator<T> | Iterator<T>): AsyncGenerator<T> {
  try {
    for (;;) {
      const result = await iterator.next();
      if (result.done) return;
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Marks a promise handled: a read-ahead result may be dropped unread when the consumer stops. */
function quiet<P extends Promise<unknown>>(promise: P): P {
  promise.catch(() => undefined);
  return promise;
}

async function* mapIterator<T, U>(
  upstream: AsyncIterator<T>,
  fn: (value: T) => U | Promise<U>,
  concurrency: number,
): AsyncGenerator<U> {
  // Up to `concurrency` calls in flight, each waiting on its own upstream
  // element; awaiting them in launch order keeps the output order.
  const pending: Array<Promise<IteratorResult<U, undefined>>> = [];
  let exhausted = false;
  const launch = (): void => {
    pending.push(
      quiet(
        upstream.next().then(async (result): Promise<IteratorResult<U, undefined>> => {
          if (result.done) return { done: true, value: undefined };
          return { done: false, value: await fn(result.value) };
        }),
      ),
    );
  };
  try {
    for (;;) {
      while (!exhausted && pending.length < concurrency) launch();
      const next = pending.shift();
      if (!next) return;
      const result = await next;
      if (result.done) {
        exhausted = true;
        continue; // later launches also see `done`; drain them
      }
      yield result.value;
    }
  } finally {
    await upstream.return?.();
  }
}

async function* shuffleIterator<T>(upstream: AsyncIterator<T>, bufferSize: number, rng: Rng): AsyncGenerator<T> {
  const buffer: T[] = [];
  try {
    let exhausted = false;
    while (!exhausted && buffer.length < bufferSize) {
      const result = await upstream.next();
      if (result.done) exhausted = true;
      else buffer.push(result.value);
    }
    while (buffer.length > 0) {
      const pick = Math.floor(rng.next() * buffer.length);
      const chosen = buffer[pick] as T;
      const result = exhausted ? undefined : await upstream.next();
      if (result && !result.done) {
        buffer[pick] = result.value;
      } else {
        exhausted = true;
        buffer[pick] = buffer[buffer.length - 1] as T;
        buffer.pop();
      }
      yield chosen;
    }
  } finally {
    buffer.length = 0;
    await upstream.return?.();
  }
}

async function* prefetchIterator<T>(upstream: AsyncIterator<T>, count: number): AsyncGenerator<T> {
  // Async generators queue next() calls, so `count` pending calls make the
  // upstream work `count` elements ahead while the consumer is busy.
  const ahead: Array<Promise<IteratorResult<T>>> = [];
  let exhausted = false;
  try {
    for (;;) {
      while (!exhausted && ahead.length < count) ahead.push(quiet(Promise.resolve(upstream.next())));
      const next = ahead.shift();
      if (!next) return;
      const result = await next;
      if (result.done) {
        exhausted = true;
        continue;
      }
      yield result.value;
    }
  } finally {
    ahead.length = 0;
    await upstream.return?.();
  }
}

/**
 * The order `shuffle(bufferSize)` gives, for an array in memory: a random
 * element of a `bufferSize` window at each step (a full shuffle when the
 * buffer holds everything).
 */
export function shuffleWithBuffer<T>(items: readonly T[], bufferSize: number, rng: Rng): T[] {
  requireWholeNumber('shuffle bufferSize', bufferSize, 1);
  if (bufferSize >= items.length) return rng.shuffle(items);
  const buffer = items.slice(0, bufferSize);
  const out: T[] = [];
  let next = bufferSize;
  while (buffer.length > 0) {
    const pick = Math.floor(rng.next() * buffer.length);
    out.push(buffer[pick] as T);
    if (next < items.length) buffer[pick] = items[next++] as T;
    else {
      buffer[pick] = buffer[buffer.length - 1] as T;
      buffer.pop();
    }
  }
  return out;
}
