/**
 * The clip pipeline's option object and what it hands out: sample batches as
 * plain arrays, tensor batches, and the `ClipPipeline` interface.
 */
import type * as tf from '@tensorflow/tfjs';

import type { AugmentOptions } from './augment';
import type { LabelEncoding } from './labels';

/** Mean and std as a training run records them: per channel, or one number for all. */
export interface NormalizationLike {
  readonly mean: number | readonly number[];
  readonly std: number | readonly number[];
}
import type { ModelShapes } from './shape-check';
import type { ClipSource, SplitSelection } from './source';
import type { Pipeline } from './stream';

/**
 * What one sample is:
 * - `clip`: a clip `[T,H,W,C]`, batches `[B,T,H,W,C]`, for 3D CNNs (C3D, ResNeXt3D);
 * - `frame`: one frame `[H,W,C]` per clip (random when augmenting, else the middle one), batches `[B,H,W,C]`, for 2D CNNs;
 * - `frames`: every frame of a clip as its own sample `[H,W,C]`, with the clip id kept for video-level voting.
 */
export type SampleLayout = 'clip' | 'frame' | 'frames';

export interface ClipPipelineOptions {
  /** Clips of this split, as the dataset assigned at extraction (cache entries' `split`). @default 'train' */
  readonly split?: SplitSelection;
  /** @default 'clip' */
  readonly layout?: SampleLayout;
  /** Samples per batch (B). @default 8 */
  readonly batchSize?: number;
  /** Frames per clip the model takes (T), at most the source's; augmentation picks the window. @default the source's T */
  readonly frames?: number;
  /** Output `[height, width]`; frames are resampled (bilinear). @default the source's */
  readonly size?: readonly [number, number];
  /** Reshuffle the clip order every epoch. @default true for 'train', else false */
  readonly shuffle?: boolean;
  /**
   * Shuffle buffer, in clips. Only clip indices wait in it (not pixels), so the
   * default is a perfect shuffle at no memory cost.
   * @default every clip of the split
   */
  readonly shuffleBuffer?: number;
  /** Seed for order, augmentation and temporal windows: the same seed gives the same batches. @default 0 */
  readonly seed?: number;
  /** Augmentation options, or false for none. @default {} (defaults) for 'train', false otherwise */
  readonly augment?: AugmentOptions | false;
  /**
   * Classes a horizontal flip turns into each other, e.g. `{ move_left: 'move_right', move_right: 'move_left' }`.
   * `'auto'` pairs names by left/right and cw/ccw (see `flipLabelSwaps`), and throws when a mirror class is missing.
   * @default 'auto'
   */
  readonly flipLabels?: Readonly<Record<string, string>> | 'auto';
  /**
   * Per-channel mean and std (from `computeChannelStats`, or a run's saved
   * normalisation) of the 0..1 values; a single number applies to every
   * channel. Unset leaves values in 0..1.
   */
  readonly normalize?: NormalizationLike;
  /** @default 'onehot' */
  readonly labels?: LabelEncoding;
  /** Batches read ahead of the consumer. @default 2 */
  readonly prefetch?: number;
  /**
   * Worker threads that read and augment whole batches off the main thread
   * (cache sources, `clip` and `frame` layouts). A train step blocks the main
   * thread, so without them the next batch is only made once the step ends.
   * 0 does the work on the main thread (async reads, augmentation between steps).
   * @default 1 for a cache source, 0 otherwise
   */
  readonly workers?: number;
  /** Clip reads in flight at once on the main thread (workers: 0). @default the source's suggestion (4 for a cache, cores for videos) */
  readonly concurrency?: number;
  /** For `frames` with shuffling: frames mixed across clips before batching. @default 4 × batchSize */
  readonly frameShuffleBuffer?: number;
  /** Drop a last batch smaller than `batchSize`. @default false */
  readonly dropRemainder?: boolean;
  /** Stops reading: the next pull rejects with the abort reason. */
  readonly signal?: AbortSignal;
}

/** One batch as plain arrays: no tensors yet. */
export interface SampleBatch {
  /** `[B,T,H,W,C]` (clip) or `[B,H,W,C]` (frame, frames) float32, row-major. */
  readonly xs: Float32Array;
  readonly shape: readonly number[];
  /** Class index per sample (after any flip swap). */
  readonly labels: Int32Array;
  /** Index of the source clip per sample (into `source.entries`): group frames by it to vote per video. */
  readonly clipIds: Int32Array;
}

/** One batch as tensors. The receiver owns `xs` and `ys` and must dispose them. */
export interface TensorBatch {
  /** `[B,T,H,W,C]` or `[B,H,W,C]` float32. */
  readonly xs: tf.Tensor;
  /** `[B,K]` float32 one-hot, or `[B]` float32 class indices for sparse labels. */
  readonly ys: tf.Tensor;
  readonly labels: Int32Array;
  readonly clipIds: Int32Array;
}

/**
 * A dataset that can give any epoch's batches by number (`train` uses it to
 * peek at the first batch and to resume without shifting the epochs).
 */
export interface EpochDataset {
  forEpoch(epoch: number): tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
}

export interface ClipPipeline {
  readonly source: ClipSource;
  readonly classes: readonly string[];
  readonly split: SplitSelection;
  readonly layout: SampleLayout;
  /** One sample without the batch axis: `[T,H,W,C]` or `[H,W,C]`. */
  readonly sampleShape: readonly number[];
  readonly batchSize: number;
  /** Clips per epoch. */
  readonly clips: number;
  /** Samples per epoch (clips × T for `frames`). */
  readonly samples: number;
  readonly batchesPerEpoch: number;
  /** Most sample bytes the pipeline holds at once (float32 batches and uint8 clips in flight), whatever the dataset size. */
  readonly maxBytesHeld: number;
  /** The batches as plain arrays; the n-th `for await` over it reads epoch n (0, 1, 2, ...). */
  readonly batches: Pipeline<SampleBatch>;
  /**
   * The batches of epoch `n` (0-based): its clip order and augmentations,
   * whatever was read before. A resumed run asks for its epoch by number,
   * so it sees the batches an uninterrupted run would have.
   */
  epoch(n: number): Pipeline<SampleBatch>;
  /** One epoch of tensor batches; the loop body owns each batch and disposes `xs` and `ys`. */
  tensorBatches(): AsyncGenerator<TensorBatch>;
  /**
   * A `tf.data.Dataset` of `{xs, ys}` for `model.fitDataset(ds, { epochs })`:
   * each epoch iterates it once, reshuffled and re-augmented. Tensors are made
   * when pulled and `fitDataset` disposes both after the step; anyone else
   * iterating it owns and disposes each `xs` and `ys`.
   * @param batches a pipeline derived from {@link ClipPipeline.batches}, e.g. `pipe.batches.take(4)` to overfit a few
   *   batches, or `pipe.batches.repeat()` with `fitDataset`'s `batchesPerEpoch` to read ahead across epochs.
   *   @default this pipeline's batches, with `forEpoch(n)` (see {@link epoch})
   */
  toTfDataset(
    batches?: Pipeline<SampleBatch>,
  ): tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }> & Partial<EpochDataset>;
  /** Throws a `ShapeMismatchError` with the fix when `model` does not take these samples or classes. */
  checkModel(model: ModelShapes): void;
  /** Stops the worker threads and closes the source's files. */
  close(): Promise<void>;
}
