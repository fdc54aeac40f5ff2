/**
 * The on-disk clip cache: `cache.json` (settings and the item list, fixed at
 * creation), `shard-NNNNN.bin` (clips back to back, `[T,H,W,C]` uint8 each)
 * with a `shard-NNNNN.json` sidecar per shard (offsets, labels, groups,
 * SHA-256 checksums), and `index.json` (everything merged, once complete).
 * A shard counts as done only when its sidecar exists; both files are
 * written to a temp name and renamed, so a killed run leaves no half shard.
 * Reading and checking shards lives in shard-file.ts.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../util/atomic-write';

import type { Split } from '../data/types';
import type { PixelFormat, ResizePolicy } from './frames';

export const CACHE_FORMAT = 'actlab-clip-cache';

/** The folder of a cache's person masks: a cache of its own, one gray clip per clip that has a mask. */
export const MASKS_FOLDER = 'masks';
/** The folder of a cache's empty scenes: a cache of single frames, labelled by scene. */
export const SCENES_FOLDER = 'scenes';

/** Settings every clip in a cache was made with. */
export interface CacheConfig {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixelFormat: PixelFormat;
  readonly resize: ResizePolicy;
  /** Resampling rate, or null for native frames. */
  readonly fps: number | null;
  readonly sampler: string;
  readonly stride: number;
  readonly seed: number;
  readonly dtype: 'uint8';
}

export interface CacheItem {
  /** Absolute source path. */
  readonly path: string;
  readonly label: string;
  readonly group: string;
  readonly split: Split | null;
  /** The item's person-mask video (absolute), extracted into the cache's `masks/` folder; absent when it has none. */
  readonly mask?: string;
}

/** `cache.json`: what will be extracted and where each item goes. */
export interface CachePlan {
  readonly format: typeof CACHE_FORMAT;
  readonly version: 1;
  readonly config: CacheConfig;
  readonly dataset: { readonly root: string; readonly layout: string };
  readonly classes: readonly string[];
  readonly clipsPerShard: number;
  readonly shardCount: number;
  /** Item i goes to shard floor(i / clipsPerShard). */
  readonly items: readonly CacheItem[];
}

export interface CacheClipEntry extends CacheItem {
  /** Position of the item in the plan. */
  readonly item: number;
  readonly labelIndex: number;
  readonly shard: number;
  /** Byte offset in the shard file. */
  readonly offset: number;
  readonly length: number;
  /** SHA-256 (hex) of the clip's bytes. */
  readonly sha256: string;
  /** The frame count the clip was sampled from (after fps resampling); see `decodedFrames`. */
  readonly sourceFrames: number;
  /** Frames ffmpeg actually decoded (after fps resampling); for frame folders, the image count. */
  readonly decodedFrames?: number;
  /**
   * Clip frames that are copies of the last decoded frame because the
   * frame count was an estimate (long video without a container count, or
   * fps resampling) that decoding did not reach; 0 when the count was exact.
   */
  readonly paddedFrames?: number;
  /** Source frame index of each clip frame (after fps resampling); repeats mean a short video. */
  readonly indices?: readonly number[];
}

export interface SkippedItem {
  readonly path: string;
  readonly error: string;
}

/** `shard-NNNNN.json`: present only when `shard-NNNNN.bin` is complete. */
export interface ShardRecord {
  readonly shard: number;
  readonly file: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly clips: readonly CacheClipEntry[];
  readonly skipped: readonly SkippedItem[];
}

export function shardName(shard: number): string {
  return `shard-${String(shard).padStart(5, '0')}`;
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The crash-safe writer every cache file goes through (temp file, fsync, rename). */
export { writeFileAtomic as writeAtomic } from '../util/atomic-write';

export function readPlan(dir: string): CachePlan | undefined {
  const file = path.join(dir, 'cache.json');
  if (!fs.existsSync(file)) return undefined;
  let plan: CachePlan;
  try {
    plan = JSON.parse(fs.readFileSync(file, 'utf8')) as CachePlan;
  } catch (error) {
    throw new Error(
      `${file} cannot be read (${(error as Error).message}); the cache is damaged: delete ${dir} and re-run extract`,
      { cause: error },
    );
  }
  if (plan.format !== CACHE_FORMAT) throw new Error(`${file} is not an actlab clip cache (format ${plan.format})`);
  return plan;
}

/** Writes `index.json`: the plan (without its item list) plus every shard record. Written once all shards are complete. */
export function writeCacheIndex(out: string, plan: CachePlan, records: readonly ShardRecord[]): void {
  const { items: _items, ...header } = plan;
  const index = {
    ...header,
    shape: [plan.config.frames, plan.config.height, plan.config.width, plan.config.channels],
    clips: records.reduce((n, r) => n + r.clips.length, 0),
    shards: records,
  };
  writeFileAtomic(path.join(out, 'index.json'), JSON.stringify(index));
}
