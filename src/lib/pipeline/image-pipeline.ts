/**
 * The still-image input pipeline: images of an image folder decoded one by
 * one as they are needed (never the whole dataset), seeded-shuffled,
 * augmented (random crop, flip, rotation, brightness, contrast) and batched
 * into `[B,H,W,C]`. It is the clip pipeline over a source whose "clips" are
 * single images, so ordering, augmentation keys, prefetch and tensor
 * ownership are the clip pipeline's.
 *
 * ```
 * image files ─decode + resize (sharp)─▶ [1,H,W,C] uint8 ─augment─▶ [H,W,C] float32 ─batch─▶ [B,H,W,C]
 * ```
 */
import { decodeImage, type DecodedImage } from '../data/image-decode';
import type { VideoDataset } from '../data/types';
import { createRng } from '../util/random';
import { requireWholeNumber } from '../util/validate';
import {
  type AugmentOptions,
  identityAugmentation,
  resolveAugmentOptions,
  sampleAugmentation,
  transformClip,
} from './augment';
import { createClipPipeline } from './clip-pipeline';
import { type ClipSource, datasetEntries } from './source';
import type { ClipPipeline, ClipPipelineOptions } from './types';

export interface ImageSourceOptions {
  /** Every image is resized to `[height, width]` when read. */
  readonly size: readonly [number, number];
  /** 3 for RGB, 1 for gray. @default 3 */
  readonly channels?: 1 | 3;
  /** Images decoded at once. @default 4 */
  readonly concurrency?: number;
}

/**
 * A clip source over the images of `dataset` (from `data.readImageFolder`):
 * each read decodes one file into a fresh `[1,H,W,C]` uint8 array. An
 * unreadable file fails its read with a `DatasetError` naming it.
 */
export function imageSource(dataset: VideoDataset, options: ImageSourceOptions): ClipSource {
  const [height, width] = options.size;
  requireWholeNumber('image height', height);
  requireWholeNumber('image width', width);
  const channels = options.channels ?? 3;
  const notImages = dataset.items.filter((item) => item.kind !== 'image');
  if (notImages.length > 0) {
    throw new Error(
      `imageSource: ${dataset.root} holds ${notImages.length} ${notImages[0]?.kind} item(s) (e.g. ${notImages[0]?.path}), ` +
        'not images: use pipeline.videoSource or a cache for videos',
    );
  }
  const entries = datasetEntries(dataset);
  return {
    description: `images ${dataset.root}`,
    kind: 'images',
    classes: dataset.classes,
    shape: [1, height, width, channels],
    entries,
    read: async (i, signal) => {
      signal?.throwIfAborted();
      const item = dataset.items[i];
      if (!item) throw new RangeError(`image ${i} is out of range: ${dataset.root} holds ${entries.length} images`);
      return (await decodeImage(item.path, { size: [height, width], channels })).data;
    },
    suggestedConcurrency: options.concurrency ?? 4,
    close: async () => undefined,
  };
}

/** The clip pipeline's options that mean something for single images. */
export type ImagePipelineOptions = Omit<ClipPipelineOptions, 'layout' | 'frames' | 'frameShuffleBuffer' | 'workers'>;

/**
 * Batches `[B,H,W,C]` float32 of one split of an image source (0..1, or
 * normalised with `normalize`), augmented with the clip augmentation's
 * spatial part when training. Flips keep labels unless `flipLabels` names
 * swaps (objects stay what they are in a mirror). Same seed, same batches.
 *
 * ```ts
 * const source = pipeline.imageSource(data.readImageFolder(dir), { size: [32, 32] });
 * const train = pipeline.createImagePipeline(source, { split: 'train', batchSize: 16, seed: 1 });
 * await model.fitDataset(train.toTfDataset(), { epochs: 5 }); // fitDataset disposes each batch
 * ```
 */
export function createImagePipeline(source: ClipSource, options: ImagePipelineOptions = {}): ClipPipeline {
  if (source.shape[0] !== 1) {
    throw new Error(
      `createImagePipeline: ${source.description} gives clips of ${source.shape[0]} frames; ` +
        "use pipeline.imageSource for images, or createClipPipeline with layout: 'frame' for video frames",
    );
  }
  return createClipPipeline(source, { flipLabels: {}, ...options, layout: 'frame', workers: 0 });
}

export interface AugmentedCopiesOptions {
  /** Copies to draw. @default 8 */
  readonly count?: number;
  /** @default 0 */
  readonly seed?: number;
  /** @default the pipeline's training defaults */
  readonly augment?: AugmentOptions;
}

/** One image as a one-frame clip `[1,H,W,C]`, the shape `plot.showGrid` and `plot.showFrames` take. */
export interface ImageClip<T extends Uint8Array | Float32Array = Float32Array> {
  readonly data: T;
  readonly shape: readonly [1, number, number, number];
}

/**
 * The original and `count` augmented copies of one image, as a training
 * epoch could draw them (the pipeline's augmentation, seeded): float32 in
 * 0..1, each a one-frame clip `[1,H,W,C]` for `plot.showGrid`.
 */
export function augmentedCopies(
  image: DecodedImage,
  options: AugmentedCopiesOptions = {},
): { readonly original: ImageClip; readonly copies: ImageClip[] } {
  const count = requireWholeNumber('count', options.count ?? 8);
  const resolved = resolveAugmentOptions(options.augment ?? {});
  const [height, width, channels] = image.shape;
  const shape = [1, height, width, channels] as const;
  const target = { height, width };
  const original = { data: transformClip(image.data, shape, identityAugmentation(1, 1), target), shape };
  const copies = Array.from({ length: count }, (_, k) => {
    const aug = sampleAugmentation(createRng(`${options.seed ?? 0}:copy:${k}`), resolved, 1, 1);
    return { data: transformClip(image.data, shape, aug, target), shape };
  });
  return { original, copies };
}
