/**
 * Turns a dataset into a sharded clip cache (see cache-format.ts): resumable,
 * parallel (K ffmpeg child processes at once), and sliceable across machines
 * with `shard: { index, count }`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { VideoDataset } from '../data/types';
import { withInterrupt } from '../notebook/interrupt';
import {
  CACHE_FORMAT,
  type CacheClipEntry,
  type CacheConfig,
  type CachePlan,
  readPlan,
  readShardRecord,
  sha256,
  shardName,
  type ShardRecord,
  type SkippedItem,
  writeAtomic,
  writeCacheIndex,
} from './cache-format';
import { type Clip, extractItemClip } from './clip';
import type { PixelFormat, ResizePolicy } from './frames';

export interface ExtractOptions {
  /** Cache folder; created if missing. */
  readonly out: string;
  /** Frames per clip. @default 16 */
  readonly frames?: number;
  /** @default 32 */
  readonly width?: number;
  /** @default 32 */
  readonly height?: number;
  /** @default 'rgb24' */
  readonly pixelFormat?: PixelFormat;
  /** @default 'crop' */
  readonly resize?: ResizePolicy;
  /** Resample rate before sampling; unset keeps native frames. */
  readonly fps?: number;
  /** `uniform` or `random`. @default 'uniform' */
  readonly sampler?: string;
  /** @default 1 */
  readonly stride?: number;
  /** @default 0 */
  readonly seed?: number;
  /**
   * Per clip: videos whose frames at the output size fit in this many bytes
   * are decoded whole in one ffmpeg pass (exact frame count); longer ones are
   * probed and streamed. See `ClipOptions.maxBufferBytes`. @default 32 MiB
   */
  readonly maxBufferBytes?: number;
  /** Clips decoded at once (each one ffmpeg process). @default CPU cores */
  readonly workers?: number;
  /** Clips per shard file. @default 64 */
  readonly clipsPerShard?: number;
  /** Process only shard files with `shard % count === index` (one job of an array job). */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly onProgress?: (progress: ExtractProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ExtractProgress {
  /** Items of this job's slice handled so far (written, skipped or resumed). */
  readonly done: number;
  /** Items in this job's slice. */
  readonly total: number;
  readonly skipped: number;
}

export interface ExtractResult {
  /** Clips in this job's shards (written now or earlier). */
  readonly clips: number;
  /** Shard files of this job's slice that are complete. */
  readonly shards: number;
  /** Shards already complete before this run (resumed). */
  readonly resumedShards: number;
  readonly skipped: readonly SkippedItem[];
  readonly seconds: number;
  /** True when every shard of the cache (all slices) is complete and index.json is written. */
  readonly complete: boolean;
  /** Clips of this job's shards that repeat their last decoded frame (`paddedFrames > 0` in their entry). */
  readonly paddedClips: number;
}

/**
 * Extracts every item of `dataset` (or this job's slice) into the cache at
 * `options.out`. When `signal` aborts, running ffmpeg children are killed,
 * finished shards stay on disk (a re-run resumes from them), and the promise
 * rejects with the abort reason once every worker has stopped. In a notebook
 * Kernel > Interrupt does the same, rejecting with an InterruptedError that
 * says how many shards are kept.
 */
export async function extractDataset(dataset: VideoDataset, options: ExtractOptions): Promise<ExtractResult> {
  return withInterrupt(options.signal, async (scope) => {
    try {
      return await extractShards(dataset, { ...options, signal: scope.signal });
    } catch (error) {
      scope.throwIfAborted(() => interruptedLine(path.resolve(options.out)));
      throw error;
    }
  });
}

/** What an interrupted extraction leaves in `out`, in one line. */
function interruptedLine(out: string): string {
  const plan = readPlan(out);
  const records = Array.from({ length: plan?.shardCount ?? 0 }, (_, s) => readShardRecord(out, s)).filter((r) => r);
  const clips = records.reduce((sum, r) => sum + (r?.clips.length ?? 0), 0);
  return (
    `extractDataset: interrupted; kept ${records.length} of ${plan?.shardCount ?? 0} shard(s) (${clips} clips) ` +
    `in ${out}; run the cell again to resume from them`
  );
}

/** extractDataset with `options.signal` already joined with Kernel > Interrupt. */
async function extractShards(dataset: VideoDataset, options: ExtractOptions): Promise<ExtractResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  const config = cacheConfig(options);
  const clipsPerShard = positiveInt('clipsPerShard', options.clipsPerShard ?? 64);
  const workers = positiveInt('workers', options.workers ?? os.cpus().length);
  const slice = options.shard ?? { index: 0, count: 1 };
  if (!(
    Number.isInteger(slice.index) &&
    Number.isInteger(slice.count) &&
    slice.index >= 0 &&
    slice.index < slice.count
  )) {
    throw new Error(`shard must be i/N with 0 <= i < N, got ${slice.index}/${slice.count}`);
  }
  fs.mkdirSync(out, { recursive: true });
  const plan = ensurePlan(out, dataset, config, clipsPerShard);
  const classIndex = new Map(plan.classes.map((name, i) => [name, i]));
  const byPath = new Map(dataset.items.map((item) => [item.path, item]));

  const mine = Array.from({ length: plan.shardCount }, (_, s) => s).filter((s) => s % slice.count === slice.index);
  const total = mine.reduce((sum, s) => sum + shardItems(plan, s).length, 0);
  let done = 0;
  let skippedCount = 0;
  const skipped: SkippedItem[] = [];
  let clips = 0;
  let paddedClips = 0;
  let resumedShards = 0;
  const report = (): void => options.onProgress?.({ done, total, skipped: skippedCount });

  const todo: number[] = [];
  for (const shard of mine) {
    const record = readShardRecord(out, shard);
    if (record) {
      resumedShards++;
      clips += record.clips.length;
      paddedClips += record.clips.filter((c) => (c.paddedFrames ?? 0) > 0).length;
      skipped.push(...record.skipped);
      done += shardItems(plan, shard).length;
    } else {
      removeTemps(out, shard);
      todo.push(shard);
    }
  }
  report();

  // One queue of clips across this job's shards, so K workers stay busy past
  // shard boundaries; a shard is written as soon as all its clips are in.
  type Slot = { shard: number; item: number };
  const queue: Slot[] = todo.flatMap((shard) => shardItems(plan, shard).map((item) => ({ shard, item })));
  type Part = { clip: Clip } | { error: string };
  const results = new Map<number, Part[]>();
  const remaining = new Map(todo.map((shard) => [shard, shardItems(plan, shard).length]));
  let next = 0;
  const finishShard = (shard: number): void => {
    const items = shardItems(plan, shard);
    const parts = results.get(shard) ?? [];
    const entries: CacheClipEntry[] = [];
    const shardSkipped: SkippedItem[] = [];
    const buffers: Uint8Array[] = [];
    let offset = 0;
    items.forEach((itemIndex, k) => {
      const item = plan.items[itemIndex] as CachePlan['items'][number];
      const part = parts[k];
      if (!part || 'error' in part) {
        shardSkipped.push({ path: item.path, error: part && 'error' in part ? part.error : 'not extracted' });
        return;
      }
      const { data, sourceFrames, decodedFrames, paddedFrames, indices } = part.clip;
      entries.push({
        ...item,
        item: itemIndex,
        labelIndex: classIndex.get(item.label) ?? -1,
        shard,
        offset,
        length: data.length,
        sha256: sha256(data),
        sourceFrames,
        decodedFrames,
        paddedFrames,
        indices,
      });
      buffers.push(data);
      offset += data.length;
    });
    const bytes = Buffer.concat(buffers);
    const name = shardName(shard);
    writeAtomic(path.join(out, `${name}.bin`), bytes);
    const record: ShardRecord = {
      shard,
      file: `${name}.bin`,
      bytes: bytes.length,
      sha256: sha256(bytes),
      clips: entries,
      skipped: shardSkipped,
    };
    // The sidecar goes last: its existence is what marks the shard done.
    writeAtomic(path.join(out, `${name}.json`), JSON.stringify(record));
    results.delete(shard);
    clips += entries.length;
    paddedClips += entries.filter((e) => (e.paddedFrames ?? 0) > 0).length;
    skipped.push(...shardSkipped);
  };
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      options.signal?.throwIfAborted();
      const slot = queue[next++] as Slot;
      const item = byPath.get(plan.items[slot.item]?.path ?? '');
      const position = shardItems(plan, slot.shard).indexOf(slot.item);
      let result: Part;
      try {
        if (!item) throw new Error(`${plan.items[slot.item]?.path}: listed in cache.json but no longer in the dataset`);
        const clip = await extractItemClip(item, {
          ...clipOptions(config),
          maxBufferBytes: options.maxBufferBytes,
          signal: options.signal,
        });
        result = { clip };
      } catch (error) {
        if (options.signal?.aborted) throw error;
        result = { error: (error as Error).message };
        skippedCount++;
      }
      const parts = results.get(slot.shard) ?? [];
      parts[position] = result;
      results.set(slot.shard, parts);
      done++;
      const left = (remaining.get(slot.shard) ?? 1) - 1;
      remaining.set(slot.shard, left);
      if (left === 0) finishShard(slot.shard);
      report();
    }
  };
  // allSettled, not all: on abort no worker may still be writing a shard when this returns.
  const settled = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(workers, queue.length)) }, worker),
  );
  options.signal?.throwIfAborted();
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;

  const complete = writeIndexIfComplete(out, plan);
  return {
    clips,
    shards: mine.length,
    resumedShards,
    skipped,
    seconds: (Date.now() - started) / 1000,
    complete,
    paddedClips,
  };
}

function cacheConfig(o: ExtractOptions): CacheConfig {
  const pixelFormat = o.pixelFormat ?? 'rgb24';
  if (pixelFormat !== 'rgb24' && pixelFormat !== 'gray')
    throw new Error(`pixelFormat must be rgb24 or gray, got ${pixelFormat}`);
  const resize = o.resize ?? 'crop';
  if (!['stretch', 'crop', 'pad'].includes(resize))
    throw new Error(`resize must be stretch, crop or pad, got ${resize}`);
  if (o.fps !== undefined && !(o.fps > 0)) throw new Error(`fps must be positive, got ${o.fps}`);
  return {
    frames: positiveInt('frames', o.frames ?? 16),
    width: positiveInt('width', o.width ?? 32),
    height: positiveInt('height', o.height ?? 32),
    channels: pixelFormat === 'gray' ? 1 : 3,
    pixelFormat,
    resize,
    fps: o.fps ?? null,
    sampler: o.sampler ?? 'uniform',
    stride: positiveInt('stride', o.stride ?? 1),
    seed: o.seed ?? 0,
    dtype: 'uint8',
  };
}

function clipOptions(c: CacheConfig): Parameters<typeof extractItemClip>[1] {
  return {
    frames: c.frames,
    width: c.width,
    height: c.height,
    pixelFormat: c.pixelFormat,
    resize: c.resize,
    fps: c.fps ?? undefined,
    sampler: c.sampler,
    stride: c.stride,
    seed: c.seed,
  };
}

/** Writes cache.json on first use; later runs must ask for the same settings and items. */
function ensurePlan(out: string, dataset: VideoDataset, config: CacheConfig, clipsPerShard: number): CachePlan {
  const plan: CachePlan = {
    format: CACHE_FORMAT,
    version: 1,
    config,
    dataset: { root: dataset.root, layout: dataset.layout },
    classes: dataset.classes,
    clipsPerShard,
    shardCount: Math.max(1, Math.ceil(dataset.items.length / clipsPerShard)),
    items: dataset.items.map((item) => ({
      path: item.path,
      label: item.label,
      group: item.group,
      split: item.split ?? null,
    })),
  };
  const existing = readPlan(out);
  if (!existing) {
    writeAtomic(path.join(out, 'cache.json'), JSON.stringify(plan, null, 1));
    return plan;
  }
  const differs: string[] = [];
  if (JSON.stringify(existing.config) !== JSON.stringify(plan.config)) differs.push('settings');
  if (existing.clipsPerShard !== plan.clipsPerShard) differs.push('clips per shard');
  if (JSON.stringify(existing.items) !== JSON.stringify(plan.items)) differs.push('dataset items');
  if (differs.length) {
    throw new Error(
      `${path.join(out, 'cache.json')} was made with different ${differs.join(' and ')}; ` +
        `use another --out folder, or delete ${out} to start over (nothing in it was changed)`,
    );
  }
  return existing;
}

function shardItems(plan: CachePlan, shard: number): number[] {
  const start = shard * plan.clipsPerShard;
  const end = Math.min(plan.items.length, start + plan.clipsPerShard);
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
}

/** Leftovers of a killed run for this shard (temp names carry the writer's pid). */
function removeTemps(out: string, shard: number): void {
  const prefix = shardName(shard);
  for (const name of fs.readdirSync(out)) {
    if (name.startsWith(prefix) && name.includes('.tmp-')) fs.rmSync(path.join(out, name), { force: true });
  }
}

/** index.json: the plan plus every shard record, written once all shards are complete. */
function writeIndexIfComplete(out: string, plan: CachePlan): boolean {
  const records: ShardRecord[] = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const record = readShardRecord(out, shard);
    if (!record) return false;
    records.push(record);
  }
  writeCacheIndex(out, plan, records);
  return true;
}

function positiveInt(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`${name} must be an integer >= 1, got ${value}`);
  return value;
}
