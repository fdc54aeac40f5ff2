/**
 * Reads clips back out of a cache made by `extractDataset` without loading
 * whole shards: each read is one positioned file read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  type CacheClipEntry,
  type CacheConfig,
  type CachePlan,
  readPlan,
  sha256,
  type ShardRecord,
  type SkippedItem,
} from './cache-format';
import { CacheDamagedError, openShardFile, readClipBytes, readShardTable } from './shard-file';

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
  /** Re-hashes every clip (shards unchecked); returns the indices whose bytes do not match their checksum. */
  verify(): Promise<number[]>;
  /** Closes open shard files. */
  close(): Promise<void>;
}

/**
 * Opens the cache in `dir`; throws when `dir` holds no cache, saying how to
 * make one, and a {@link CacheDamagedError} when a done shard's `.bin` is
 * missing or cut short. Each shard's SHA-256 is checked the first time one of
 * its clips is read.
 */
export function openClipCache(dir: string): ClipCache {
  const plan = readPlan(dir);
  if (!plan) {
    throw new Error(
      `${path.join(dir, 'cache.json')} not found: make the cache first with "actlab extract DATASET --out ${dir}"`,
    );
  }
  const table = readShardTable(dir, plan);
  // A sidecar whose shard is gone or cut short would silently drop clips: refuse instead.
  const damage = table.damaged[0];
  if (damage) {
    const more = table.damaged.length > 1 ? ` (and ${table.damaged.length - 1} more damaged shard(s))` : '';
    throw new CacheDamagedError(damage.file, `${damage.reason}${more}`);
  }
  const done = table.records.filter((r): r is ShardRecord => r !== undefined);
  return buildClipCache({
    dir,
    plan,
    records: done,
    where: `in ${dir}`,
    // Each shard is checked against its SHA-256 the first time a clip of it is read.
    open: (record) => openShardFile(dir, record),
    // verify() opens unchecked, to name the bad clips rather than stop at the bad shard.
    openUnchecked: (record) => fs.promises.open(path.join(dir, record.file), 'r'),
  });
}

/**
 * Where a {@link ClipCache}'s clips come from: the plan, the complete shards,
 * and how to open a shard's file (the one thing a local cache and one read
 * from S3 do differently).
 */
export interface ClipCacheSource {
  /** The folder the shard files are (or will be) in. */
  readonly dir: string;
  readonly plan: CachePlan;
  /** The complete shards, in shard order. */
  readonly records: readonly ShardRecord[];
  /** The cache in an out-of-range message: `in DIR`, `at s3://…`. */
  readonly where: string;
  /** The shard's file, open for reading, its bytes checked against the record's SHA-256. */
  readonly open: (record: ShardRecord) => Promise<fs.promises.FileHandle>;
  /** The shard's file without the check, for verify(); absent: verify() reads through `open`. */
  readonly openUnchecked?: (record: ShardRecord) => Promise<fs.promises.FileHandle>;
}

/** A {@link ClipCache} over `source`: each shard opened once (again after a failure), each clip one positioned read. */
export function buildClipCache(source: ClipCacheSource): ClipCache {
  const { dir, plan, records, where } = source;
  const clips: CacheClipEntry[] = records.flatMap((r) => r.clips);
  const skipped: SkippedItem[] = records.flatMap((r) => r.skipped);
  const byShard = new Map(records.map((r) => [r.shard, r]));
  const { frames, height, width, channels } = plan.config;
  const shape = [frames, height, width, channels] as const;
  const handles = new Map<string, Promise<fs.promises.FileHandle>>();
  const handle = (shard: number, checked: boolean): Promise<fs.promises.FileHandle> => {
    const key = `${shard}:${checked}`;
    let open = handles.get(key);
    if (!open) {
      const record = byShard.get(shard) as ShardRecord;
      open = checked || !source.openUnchecked ? source.open(record) : source.openUnchecked(record);
      open.catch(() => handles.delete(key));
      handles.set(key, open);
    }
    return open;
  };
  const reader =
    (checked: boolean) =>
    async (i: number): Promise<CachedClip> => {
      const entry = clips[i];
      if (!entry) throw new RangeError(`clip ${i} is out of range: the cache ${where} holds ${clips.length} clips`);
      const file = path.join(dir, (byShard.get(entry.shard) as ShardRecord).file);
      return { data: await readClipBytes(await handle(entry.shard, checked), entry, file), shape, entry };
    };
  const readClip = reader(true);
  return {
    dir,
    config: plan.config,
    classes: plan.classes,
    shape,
    clips,
    skipped,
    shards: { planned: plan.shardCount, complete: records.length },
    readClip,
    ...derivedReaders(readClip, clips.length, source.openUnchecked ? reader(false) : readClip),
    async close() {
      for (const open of handles.values()) await (await open.catch(() => undefined))?.close();
      handles.clear();
    },
  };
}

/** `readClipFloat` and `verify` on top of `readClip`. */
function derivedReaders(
  readClip: (i: number) => Promise<CachedClip>,
  clipCount: number,
  readUnchecked: (i: number) => Promise<CachedClip> = readClip,
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
        const { data, entry } = await readUnchecked(i);
        if (sha256(data) !== entry.sha256) bad.push(i);
      }
      return bad;
    },
  };
}
