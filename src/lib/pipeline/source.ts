/**
 * Where clips come from: the extraction cache (one positioned file read per
 * clip) or, when there is no cache, the videos themselves (one ffmpeg decode
 * per clip). Both give the same `[T,H,W,C]` uint8 clips and per-clip metadata.
 */
import * as os from 'node:os';

import type { Split, VideoDataset } from '../data/types';
import { type ClipCache, openClipCache } from '../video/cache-reader';
import { type ClipOptions, extractItemClip } from '../video/clip';

/** What the pipeline knows about one clip before reading it. */
export interface ClipEntry {
  /** Source file (video, image or frame folder). */
  readonly path: string;
  readonly label: string;
  /** Index into the source's `classes`. */
  readonly labelIndex: number;
  readonly group: string;
  /** The split the dataset assigned, or null when it assigned none. */
  readonly split: Split | null;
}

export interface ClipSource {
  /** `cache DIR`, `videos ROOT` or `images ROOT`: used in error messages. */
  readonly description: string;
  readonly kind: 'cache' | 'videos' | 'images';
  /** The cache folder, for cache sources: worker threads open it themselves. */
  readonly cacheDir?: string;
  /** Class names, as `labelIndex` indexes them. */
  readonly classes: readonly string[];
  /** `[T,H,W,C]` of every clip. */
  readonly shape: readonly [number, number, number, number];
  readonly entries: readonly ClipEntry[];
  /** Clip `i` as `[T,H,W,C]` uint8, 0..255. A fresh array the caller owns. */
  read(i: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** Reads that may run at once without hurting throughput. */
  readonly suggestedConcurrency: number;
  /** Releases open files (the cache's shard handles). */
  close(): Promise<void>;
}

/** A source over a clip cache made by `video.extractDataset` (or `actlab extract`). */
export function cacheSource(cache: ClipCache | string): ClipSource {
  const opened = typeof cache === 'string' ? openClipCache(cache) : cache;
  if (opened.clips.length === 0) {
    throw new Error(
      `the cache in ${opened.dir} holds no clips (${opened.shards.complete}/${opened.shards.planned} shards complete): ` +
        `run "actlab extract DATASET --out ${opened.dir}" until it completes`,
    );
  }
  return {
    description: `cache ${opened.dir}`,
    kind: 'cache',
    cacheDir: opened.dir,
    classes: opened.classes,
    shape: opened.shape,
    entries: opened.clips,
    read: async (i) => (await opened.readClip(i)).data,
    // Positioned reads of a few KB each: a handful in flight keeps the disk busy.
    suggestedConcurrency: 4,
    close: () => opened.close(),
  };
}

/**
 * A source that decodes each clip from its video (or image, or frame folder)
 * on every read: no cache needed, but each read costs an ffmpeg run, so use
 * `prefetch` and a `concurrency` near the core count. Extract a cache for
 * anything bigger than a demo.
 */
export function videoSource(dataset: VideoDataset, clip: Omit<ClipOptions, 'signal'>): ClipSource {
  const entries = datasetEntries(dataset);
  const channels = clip.pixelFormat === 'gray' ? 1 : 3;
  return {
    description: `videos ${dataset.root}`,
    kind: 'videos',
    classes: dataset.classes,
    shape: [clip.frames, clip.height, clip.width, channels],
    entries,
    read: async (i, signal) => {
      const item = dataset.items[i];
      if (!item) throw new RangeError(`clip ${i} is out of range: ${dataset.root} holds ${entries.length} items`);
      return (await extractItemClip(item, { ...clip, signal })).data;
    },
    suggestedConcurrency: Math.max(1, os.cpus().length),
    close: async () => undefined,
  };
}

/** Which clips a pipeline reads: a split assigned at extraction, or all of them. */
export type SplitSelection = Split | 'all';

/**
 * Indices of the source's clips in `split`, in source order. Throws when the
 * dataset assigned no splits or the split is empty, saying what it holds.
 */
export function selectSplit(source: ClipSource, split: SplitSelection): number[] {
  const indices: number[] = [];
  source.entries.forEach((entry, i) => {
    if (split === 'all' || entry.split === split) indices.push(i);
  });
  if (indices.length > 0) return indices;
  if (split === 'all') throw new Error(`${source.description} holds no clips`);
  const counts = new Map<string, number>();
  for (const entry of source.entries) counts.set(String(entry.split), (counts.get(String(entry.split)) ?? 0) + 1);
  if (counts.size === 1 && counts.has('null')) {
    throw new Error(
      `${source.description}: no clip has a split (its dataset layout assigns none): ` +
        `assign them with data.splitByGroup(dataset.items) before extracting, or pass split: 'all'`,
    );
  }
  const held = [...counts].map(([name, n]) => `${name === 'null' ? 'none' : name} ${n}`).join(', ');
  throw new Error(`${source.description} has no "${split}" clips (it holds ${held}); pick another split`);
}

/** A dataset's items as source entries: label indices in the dataset's class order. */
export function datasetEntries(dataset: VideoDataset): ClipEntry[] {
  const classIndex = new Map(dataset.classes.map((name, i) => [name, i]));
  return dataset.items.map((item) => ({
    path: item.path,
    label: item.label,
    labelIndex: classIndex.get(item.label) ?? -1,
    group: item.group,
    split: item.split ?? null,
  }));
}
