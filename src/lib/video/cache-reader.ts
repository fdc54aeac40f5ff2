/**
 * Reads clips back out of a cache made by `extractDataset` without loading
 * whole shards: each read is one positioned file read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  type CacheClipEntry,
  type CacheConfig,
  readPlan,
  readShardRecord,
  sha256,
  type SkippedItem,
} from './cache-format';

export interface CachedClip {
  /** `[T,H,W,C]` uint8, 0..255. */
  readonly data: Uint8Array;
  readonly shape: readonly [number, number, number, number];
  readonly entry: CacheClipEntry;
}

export interface CachedClipFloat {
  /** `[T,H,W,C]` float32 scaled to 0..1. */
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly entry: CacheClipEntry;
}

export interface ClipCache {
  readonly dir: string;
  readonly config: CacheConfig;
  readonly classes: readonly string[];
  /** `[T,H,W,C]` of every clip. */
  readonly shape: readonly [number, number, number, number];
  /** Clips in item order (only completed shards). */
  readonly clips: readonly CacheClipEntry[];
  readonly skipped: readonly SkippedItem[];
  /** Shards planned and shards complete: `complete === planned` when extraction finished. */
  readonly shards: { readonly planned: number; readonly complete: number };
  /** Clip `i` as uint8. */
  readClip(i: number): Promise<CachedClip>;
  /** Clip `i` as float32 in 0..1, the layout models take. */
  readClipFloat(i: number): Promise<CachedClipFloat>;
  /** Re-hashes every clip; returns the indices whose bytes do not match their checksum. */
  verify(): Promise<number[]>;
  /** Closes open shard files. */
  close(): Promise<void>;
}

/** Opens the cache in `dir`; throws when `dir` holds no cache, saying how to make one. */
export function openClipCache(dir: string): ClipCache {
  const plan = readPlan(dir);
  if (!plan) {
    throw new Error(
      `${path.join(dir, 'cache.json')} not found: make the cache first with "actlab extract DATASET --out ${dir}"`,
    );
  }
  const clips: CacheClipEntry[] = [];
  const skipped: SkippedItem[] = [];
  let complete = 0;
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const record = readShardRecord(dir, shard);
    if (!record) continue;
    complete++;
    clips.push(...record.clips);
    skipped.push(...record.skipped);
  }
  const { frames, height, width, channels } = plan.config;
  const shape = [frames, height, width, channels] as const;
  const handles = new Map<number, Promise<fs.promises.FileHandle>>();
  const handle = (shard: number): Promise<fs.promises.FileHandle> => {
    let open = handles.get(shard);
    if (!open) {
      open = fs.promises.open(path.join(dir, `shard-${String(shard).padStart(5, '0')}.bin`), 'r');
      handles.set(shard, open);
    }
    return open;
  };
  const readClip = async (i: number): Promise<CachedClip> => {
    const entry = clips[i];
    if (!entry) throw new RangeError(`clip ${i} is out of range: the cache in ${dir} holds ${clips.length} clips`);
    const data = new Uint8Array(entry.length);
    const { bytesRead } = await (await handle(entry.shard)).read(data, 0, entry.length, entry.offset);
    if (bytesRead !== entry.length)
      throw new Error(`${dir}: shard ${entry.shard} is truncated; delete it and re-run extract`);
    return { data, shape, entry };
  };
  return {
    dir,
    config: plan.config,
    classes: plan.classes,
    shape,
    clips,
    skipped,
    shards: { planned: plan.shardCount, complete },
    readClip,
    ...derivedReaders(readClip, clips.length),
    async close() {
      for (const open of handles.values()) await (await open).close();
      handles.clear();
    },
  };
}

/**
 * `readClipFloat` and `verify` on top of any `readClip`: the same for a local
 * cache and one read from S3.
 */
export function derivedReaders(
  readClip: (i: number) => Promise<CachedClip>,
  clipCount: number,
): Pick<ClipCache, 'readClipFloat' | 'verify'> {
  return {
    async readClipFloat(i) {
      const { data, shape, entry } = await readClip(i);
      const out = new Float32Array(data.length);
      for (let k = 0; k < data.length; k++) out[k] = (data[k] as number) / 255;
      return { data: out, shape, entry };
    },
    async verify() {
      const bad: number[] = [];
      for (let i = 0; i < clipCount; i++) {
        const { data, entry } = await readClip(i);
        if (sha256(data) !== entry.sha256) bad.push(i);
      }
      return bad;
    },
  };
}
