/**
 * The training input pipeline: clips of one split, shuffled, read ahead,
 * augmented, batched into `{xs, ys}` for `model.fitDataset`. Memory is
 * bounded by construction: only indices are shuffled, and at most
 * `max(prefetch, workers) + 1` batches (plus a few clips being read) are
 * held, whatever the dataset's size (`ClipPipeline.maxBytesHeld`).
 *
 * ```
 * entries ─select split─▶ indices ─shuffle─▶ read + augment (worker thread, or async on the main thread)
 *        ─batch─▶ [B,...] float32 ─prefetch k─▶ tensors made on pull ─▶ fitDataset (disposes them)
 * ```
 */
import * as tf from '@tensorflow/tfjs';

import { createRng } from '../util/random';
import { requireWholeNumber } from '../util/validate';
import type { ClipCache } from '../video/cache-reader';
import {
  type AugmentOptions,
  type ClipAugmentation,
  identityAugmentation,
  resolveAugmentOptions,
  sampleAugmentation,
  transformClip,
  type TransformTarget,
} from './augment';
import { flipIndexTable, flipLabelSwaps, type LabelEncoding, oneHot } from './labels';
import { type CacheMasks, openCacheMasks, pasteScene, readScenePlates, type ScenePlates } from './masks';
import { checkInputShape } from './shape-check';
import { cacheSource, type ClipSource, selectSplit, type SplitSelection } from './source';
import { fromIterator, type Pipeline, shuffleWithBuffer } from './stream';
import type { ClipPipeline, ClipPipelineOptions, SampleBatch, SampleLayout, TensorBatch } from './types';
import { type BatchWorkers, createBatchWorkers } from './worker-pool';

/**
 * A pipeline over `source`: a `ClipSource` (`cacheSource`, `videoSource`), an
 * open `ClipCache`, or a cache folder.
 *
 * ```ts
 * const train = createClipPipeline('out/cache', { frames: 8, batchSize: 8, seed: 0 });
 * const val = createClipPipeline('out/cache', { split: 'val', frames: 8, batchSize: 8 });
 * train.checkModel(model); // a ShapeMismatchError with the fix, before any step
 * await model.fitDataset(train.toTfDataset(), { epochs: 5, validationData: val.toTfDataset() });
 * await Promise.all([train.close(), val.close()]);
 * ```
 */
export function createClipPipeline(
  source: ClipSource | ClipCache | string,
  options: ClipPipelineOptions = {},
): ClipPipeline {
  const src = typeof source === 'string' || !('entries' in source) ? cacheSource(source) : source;
  const settings = pipelineSettings(src, options);
  const { split, layout, frames, height, width, batchSize, prefetch, concurrency, workerCount, seed, shuffle } =
    settings;
  const channels = src.shape[3];
  const indices = selectSplit(src, split);
  const sampleShape = layout === 'clip' ? [frames, height, width, channels] : [height, width, channels];
  const sampleLength = sampleShape.reduce((a, b) => a * b, 1);
  const samples = layout === 'frames' ? indices.length * frames : indices.length;
  const batchesPerEpoch = options.dropRemainder ? Math.floor(samples / batchSize) : Math.ceil(samples / batchSize);
  const frameBuffer = requireWholeNumber('frameShuffleBuffer', options.frameShuffleBuffer ?? 4 * batchSize);
  const maxBytesHeld = boundOfBytesHeld(settings, src.shape, sampleLength, frameBuffer);

  // The clip order of an epoch: indices only, so computing it whole costs nothing.
  const epochOrder = (epoch: number): readonly number[] =>
    shuffle
      ? shuffleWithBuffer(indices, options.shuffleBuffer ?? indices.length, createRng(`${seed}:order:${epoch}`))
      : indices;
  const scenes = settings.augment && settings.augment.scenePaste > 0 ? openScenePaste(src) : undefined;
  const plan: BatchPlan = {
    src,
    layout,
    frames,
    sampleShape,
    sampleLength,
    batchSize,
    dropRemainder: options.dropRemainder ?? false,
    target: { height, width, mean: settings.stats?.mean, std: settings.stats?.std },
    epochOrder,
    draw: clipDrawer(src, settings, scenes),
    scenes,
    signal: options.signal,
  };
  const pool = settings.useWorkers
    ? createBatchWorkers(src.cacheDir as string, { count: workerCount, scenes: scenes !== undefined })
    : undefined;
  const batchesOf: (epoch: number) => Pipeline<SampleBatch> = pool
    ? (epoch) => workerBatches(plan, pool, epoch, Math.max(prefetch, workerCount))
    : (epoch) =>
        localBatches(plan, epoch, {
          concurrency,
          frameBuffer: shuffle ? frameBuffer : 0,
          seed,
        }).prefetch(prefetch);
  const epochBatches = (epoch: number): Pipeline<SampleBatch> => {
    requireWholeNumber('epoch', epoch, 0);
    return { ...batchesOf(epoch), size: batchesPerEpoch };
  };
  // Plain iteration counts passes: the n-th `for await` reads epoch n.
  let passes = 0;
  const sized = fromIterator(() => batchesOf(passes++)[Symbol.asyncIterator](), batchesPerEpoch);

  const numClasses = src.classes.length;
  const toTensors = tensorsOf(settings.labels, numClasses);
  async function* tensorBatches(): AsyncGenerator<TensorBatch> {
    for await (const batch of sized) yield toTensors(batch);
  }
  const toTfDataset = (from: Pipeline<SampleBatch>): tf.data.Dataset<XY> =>
    tf.data.generator(async function* () {
      for await (const batch of from) {
        const { xs, ys } = toTensors(batch);
        yield { xs, ys };
      }
    });

  return {
    source: src,
    classes: src.classes,
    split,
    layout,
    sampleShape,
    batchSize,
    clips: indices.length,
    samples,
    batchesPerEpoch,
    maxBytesHeld,
    batches: sized,
    epoch: epochBatches,
    tensorBatches,
    toTfDataset: (from?: Pipeline<SampleBatch>) =>
      from
        ? toTfDataset(from)
        : Object.assign(toTfDataset(sized), { forEpoch: (epoch: number) => toTfDataset(epochBatches(epoch)) }),
    checkModel: (model) => checkInputShape(model, sampleShape, { numClasses }),
    close: async () => {
      await pool?.close();
      scenes?.masks.reader.close();
      await src.close();
    },
  };
}

type XY = { xs: tf.Tensor; ys: tf.Tensor };

/** The options with their defaults, checked against the source's clip shape and classes. */
interface PipelineSettings {
  readonly split: SplitSelection;
  readonly layout: SampleLayout;
  /** Frames per sample's clip (1 for the `frame` layout). */
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  readonly batchSize: number;
  readonly prefetch: number;
  readonly concurrency: number;
  readonly workerCount: number;
  /** Batches are made by worker threads (a cache source, not the `frames` layout). */
  readonly useWorkers: boolean;
  readonly seed: number;
  readonly shuffle: boolean;
  /** Undefined when augmentation is off. */
  readonly augment: Required<AugmentOptions> | undefined;
  readonly labels: LabelEncoding;
  readonly stats: { readonly mean: readonly number[]; readonly std: readonly number[] } | undefined;
  /** Label index after a horizontal flip; undefined when no flip can happen. */
  readonly flipTable: Int32Array | undefined;
}

/** Every option checked before anything is opened, in the order the errors are reported. */
function pipelineSettings(src: ClipSource, options: ClipPipelineOptions): PipelineSettings {
  const split = options.split ?? 'train';
  const layout = options.layout ?? 'clip';
  if (!['clip', 'frame', 'frames'].includes(layout)) {
    throw new Error(`layout must be 'clip', 'frame' or 'frames', got ${JSON.stringify(layout)}`);
  }
  const training = split === 'train';
  const [sourceFrames, sourceH, sourceW, channels] = src.shape;
  const frames = layout === 'frame' ? 1 : requireWholeNumber('frames', options.frames ?? sourceFrames);
  if (frames > sourceFrames) {
    throw new Error(
      `frames ${frames} is more than the ${sourceFrames} each clip of ${src.description} has: ` +
        `extract with --frames ${frames}, or ask for at most ${sourceFrames}`,
    );
  }
  const [height, width] = options.size ?? [sourceH, sourceW];
  requireWholeNumber('size height', height);
  requireWholeNumber('size width', width);
  const batchSize = requireWholeNumber('batchSize', options.batchSize ?? 8);
  const prefetch = requireWholeNumber('prefetch', options.prefetch ?? 2);
  const concurrency = requireWholeNumber('concurrency', options.concurrency ?? src.suggestedConcurrency);
  const workerCount = options.workers ?? (src.cacheDir ? 1 : 0);
  requireWholeNumber('workers', workerCount, 0);
  const augmentOption = options.augment ?? (training ? {} : false);
  const augment = augmentOption === false ? undefined : resolveAugmentOptions(augmentOption);
  const labels = options.labels ?? 'onehot';
  if (labels !== 'onehot' && labels !== 'sparse') throw new Error(`labels must be 'onehot' or 'sparse', got ${labels}`);
  const stats = options.normalize && {
    mean: perChannel(options.normalize.mean, channels),
    std: perChannel(options.normalize.std, channels),
  };
  if (stats && (stats.mean.length !== channels || stats.std.length !== channels)) {
    throw new Error(
      `normalize has ${stats.mean.length} channels but clips have ${channels}: compute the stats on this cache`,
    );
  }
  // Only needed when a flip can happen; 'auto' throws if a mirror class is missing.
  const flipTable =
    augment && augment.flip > 0
      ? flipIndexTable(
          src.classes,
          (options.flipLabels ?? 'auto') === 'auto'
            ? flipLabelSwaps(src.classes)
            : (options.flipLabels as Record<string, string>),
        )
      : undefined;
  return {
    split,
    layout,
    frames,
    height,
    width,
    batchSize,
    prefetch,
    concurrency,
    workerCount,
    useWorkers: workerCount > 0 && src.cacheDir !== undefined && layout !== 'frames',
    seed: options.seed ?? 0,
    shuffle: options.shuffle ?? training,
    augment,
    labels,
    stats,
    flipTable,
  };
}

/** The most bytes of clips and batches the pipeline holds at once (`ClipPipeline.maxBytesHeld`). */
function boundOfBytesHeld(
  { layout, frames, batchSize, prefetch, concurrency, workerCount, useWorkers, shuffle }: PipelineSettings,
  clipShape: readonly number[],
  sampleLength: number,
  frameBuffer: number,
): number {
  const batchBytes = batchSize * sampleLength * 4;
  const clipBytes = clipShape.reduce((a, b) => a * b, 1);
  return useWorkers
    ? (Math.max(prefetch, workerCount) + 1) * batchBytes + workerCount * batchSize * clipBytes // batches in flight + consumed
    : (prefetch + 1) * batchBytes + // batches queued, plus the one the consumer has
        (concurrency + batchSize) * clipBytes + // uint8 clips being read and waiting for their batch
        (layout === 'frames' ? (shuffle ? frameBuffer : 0) * sampleLength * 4 + frames * sampleLength * 4 : 0);
}

/** Keyed by (seed, epoch, clip), not by arrival order: prefetch timing and workers cannot change a sample. */
function clipDrawer(
  src: ClipSource,
  { augment, seed, frames, flipTable }: PipelineSettings,
  scenes: ScenePaste | undefined,
): (clip: number, epoch: number) => DrawnClip {
  const sourceFrames = src.shape[0];
  return (clip, epoch) => {
    const drawn = augment
      ? sampleAugmentation(createRng(`${seed}:augment:${epoch}:${clip}`), augment, sourceFrames, frames)
      : identityAugmentation(sourceFrames, frames);
    const aug =
      scenes && augment
        ? withScenePaste(drawn, scenes, augment.scenePaste, `${seed}:scene:${epoch}:${clip}`, clip)
        : drawn;
    const label = (src.entries[clip] as { labelIndex: number }).labelIndex;
    return { aug, label: aug.flip && flipTable ? (flipTable[label] as number) : label };
  };
}

/** A batch's float32 samples and labels as tensors (made on pull; fitDataset disposes them). */
function tensorsOf(labels: LabelEncoding, numClasses: number): (batch: SampleBatch) => TensorBatch {
  return (batch) => ({
    xs: tf.tensor(batch.xs, batch.shape as number[], 'float32'),
    ys:
      labels === 'onehot'
        ? tf.tensor2d(oneHot(batch.labels, numClasses), [batch.labels.length, numClasses])
        : tf.tensor1d(Float32Array.from(batch.labels)),
    labels: batch.labels,
    clipIds: batch.clipIds,
  });
}

/** The augmentation drawn for one clip of one epoch, and its label after any flip swap. */
interface DrawnClip {
  readonly aug: ClipAugmentation;
  readonly label: number;
}

/** Everything both batch paths need to make the batches of an epoch. */
interface BatchPlan {
  readonly src: ClipSource;
  readonly layout: SampleLayout;
  readonly frames: number;
  readonly sampleShape: readonly number[];
  readonly sampleLength: number;
  readonly batchSize: number;
  readonly dropRemainder: boolean;
  readonly target: TransformTarget;
  readonly epochOrder: (epoch: number) => readonly number[];
  readonly draw: (clip: number, epoch: number) => DrawnClip;
  /** Masks and scenes for the scene paste, when it is on. */
  readonly scenes: ScenePaste | undefined;
  readonly signal: AbortSignal | undefined;
}

/** What the scene paste reads: the cache's person masks and its empty scenes. */
interface ScenePaste {
  readonly masks: CacheMasks;
  readonly plates: ScenePlates;
}

/**
 * `aug` with an empty scene to paste the clip's person onto, with probability
 * `probability`, when the clip has a mask. Drawn from its own stream (`key`),
 * so turning the paste on leaves every other draw as it was.
 */
function withScenePaste(
  aug: ClipAugmentation,
  scenes: ScenePaste,
  probability: number,
  key: string,
  clip: number,
): ClipAugmentation {
  if ((scenes.masks.maskOf[clip] as number) < 0) return aug;
  const rng = createRng(key);
  return rng.next() < probability ? { ...aug, plate: rng.int(0, scenes.plates.scenes.length - 1) } : aug;
}

/** The masks and scenes of a cache source; an error saying what to do when it has none. */
function openScenePaste(src: ClipSource): ScenePaste {
  const masks = src.cacheDir ? openCacheMasks(src.cacheDir) : undefined;
  const plates = src.cacheDir ? readScenePlates(src.cacheDir) : undefined;
  if (!masks || !plates) {
    masks?.reader.close();
    throw new Error(
      `augment.scenePaste needs person masks and empty scenes beside the clips, and ${src.description} has ` +
        `${masks ? 'no empty scenes' : 'no person masks'}: extract a dataset that ships them ` +
        '(the people set of "actlab synth --set people"), or set scenePaste to 0',
    );
  }
  return { masks, plates };
}

/** The clip indices of each batch of `epoch`, in order. */
function batchGroups(plan: BatchPlan, epoch: number): number[][] {
  const order = plan.epochOrder(epoch);
  const groups: number[][] = [];
  for (let start = 0; start < order.length; start += plan.batchSize) {
    const group = order.slice(start, start + plan.batchSize);
    if (group.length === plan.batchSize || !plan.dropRemainder) groups.push(group);
  }
  return groups;
}

/**
 * The batches of `epoch` made by the worker threads, `depth` requests in flight.
 * Only indices and augmentation parameters cross to the workers; each sends back a whole batch.
 */
function workerBatches(plan: BatchPlan, pool: BatchWorkers, epoch: number, depth: number): Pipeline<SampleBatch> {
  const request = (clips: readonly number[]): Promise<SampleBatch> => {
    const drawn = clips.map((clip) => plan.draw(clip, epoch));
    // pool.run posts synchronously: the worker has the request before this returns.
    return pool
      .run({ clips, augs: drawn.map((d) => d.aug), target: plan.target, sampleLength: plan.sampleLength })
      .then((xs) => ({
        xs,
        shape: [clips.length, ...plan.sampleShape],
        labels: Int32Array.from(drawn, (d) => d.label),
        clipIds: Int32Array.from(clips),
      }));
  };
  // Not built from stream verbs on purpose: a train step blocks the main thread right after it gets
  // its batch, so the next request must be posted before the batch is handed over, not a few
  // microtask hops later. Requests queue in the workers, which keep working during the step.
  return fromIterator(async function* (): AsyncGenerator<SampleBatch> {
    const groups = batchGroups(plan, epoch);
    const inFlight: Array<Promise<SampleBatch>> = [];
    let next = 0;
    const refill = (): void => {
      while (next < groups.length && inFlight.length < depth) {
        const pending = request(groups[next++] as number[]);
        pending.catch(() => undefined); // may be dropped unread when the consumer stops early
        inFlight.push(pending);
      }
    };
    refill();
    while (inFlight.length > 0) {
      plan.signal?.throwIfAborted();
      const batch = await (inFlight.shift() as Promise<SampleBatch>);
      refill();
      yield batch;
    }
  });
}

/** The batches of `epoch` made on the main thread: async reads, `concurrency` in flight, then transform. */
function localBatches(
  plan: BatchPlan,
  epoch: number,
  options: { readonly concurrency: number; readonly frameBuffer: number; readonly seed: number },
): Pipeline<SampleBatch> {
  const { src, sampleLength, batchSize, target } = plan;
  const toBatch = <T extends { label: number; clip: number }>(
    group: readonly T[],
    fill: (item: T, xs: Float32Array, offset: number) => void,
  ): SampleBatch => {
    const xs = new Float32Array(group.length * sampleLength);
    group.forEach((item, i) => fill(item, xs, i * sampleLength));
    return {
      xs,
      shape: [group.length, ...plan.sampleShape],
      labels: Int32Array.from(group, (s) => s.label),
      clipIds: Int32Array.from(group, (s) => s.clip),
    };
  };
  const readRaw = async (clip: number): Promise<RawClip> => {
    plan.signal?.throwIfAborted();
    const data = await src.read(clip, plan.signal);
    const drawn = plan.draw(clip, epoch);
    if (plan.scenes && drawn.aug.plate !== undefined) {
      const { masks, plates } = plan.scenes;
      pasteScene(data, masks.reader.read(masks.maskOf[clip] as number), plates, drawn.aug.plate);
    }
    return { data, clip, ...drawn };
  };
  const order = plan.epochOrder(epoch);
  const raw = fromIterator(() => order[Symbol.iterator](), order.length).map(readRaw, {
    concurrency: options.concurrency,
  });
  const dropRemainder = plan.dropRemainder;
  if (plan.layout !== 'frames') {
    // Clips (and single frames) are transformed straight into their batch slot: no per-clip float copy.
    return raw
      .batch(batchSize, { dropRemainder })
      .map((group) => toBatch(group, (r, xs, offset) => transformClip(r.data, src.shape, r.aug, target, xs, offset)));
  }
  // Each frame is a sample: transform the clip once, then split it.
  let sampled: Pipeline<Sample> = raw.flatMap((r) => {
    const x = transformClip(r.data, src.shape, r.aug, target);
    return Array.from({ length: plan.frames }, (_, t) => ({
      x: x.subarray(t * sampleLength, (t + 1) * sampleLength),
      label: r.label,
      clip: r.clip,
    }));
  });
  if (options.frameBuffer > 0) sampled = sampled.shuffle(options.frameBuffer, `${options.seed}:frames:${epoch}`);
  return sampled
    .batch(batchSize, { dropRemainder })
    .map((group) => toBatch(group, (s, xs, offset) => xs.set(s.x, offset)));
}

/** A clip read but not yet transformed: uint8 bytes and the augmentation drawn for it. */
interface RawClip extends DrawnClip {
  readonly data: Uint8Array;
  readonly clip: number;
}

interface Sample {
  readonly x: Float32Array;
  readonly label: number;
  readonly clip: number;
}

/** A run may record one mean/std for all channels: spread it over `channels`. */
function perChannel(value: number | readonly number[], channels: number): readonly number[] {
  return typeof value === 'number' ? Array<number>(channels).fill(value) : value;
}
