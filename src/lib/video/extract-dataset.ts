/**
 * Turns a dataset into a sharded clip cache (see cache-format.ts): resumable,
 * parallel (K ffmpeg child processes at once), and sliceable across machines
 * with `shard: { index, count }`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as crypto from 'node:crypto';

import type { VideoDataset } from '../data/types';
import { withInterrupt } from '../notebook/interrupt';
import { writeFileAtomic } from '../util/atomic-write';
import { namingPath } from '../util/fs-error';
import { requireWholeNumber } from '../util/validate';
import {
  CACHE_FORMAT,
  type CacheClipEntry,
  type CacheConfig,
  type CachePlan,
  MASKS_FOLDER,
  readPlan,
  SCENES_FOLDER,
  sha256,
  shardName,
  type ShardRecord,
  type SkippedItem,
  writeCacheIndex,
} from './cache-format';
import { CacheLockedError, lockCache } from './cache-lock';
import { type Clip, type ClipOptions, extractItemClip } from './clip';
import { FfmpegMissingError, locateTool } from './ffmpeg';
import { getSampler } from './sampling';
import { readShardTable, type ShardTable } from './shard-file';

/**
 * The largest clip `extract` makes: 64 MiB of uint8 `[T,H,W,C]`. Each worker
 * holds its clip whole, clips finished out of order wait for their turn to be
 * written, and training turns every clip into float32 (4x): a larger clip
 * does not fit a batch. `--frames 100000` at 32x32 RGB (293 MiB) is refused.
 */
export const MAX_CLIP_BYTES = 64 * 1024 * 1024;
/** ffmpeg's own limit on a frame side. */
const MAX_SIDE = 16384;

/**
 * The clip settings are those of {@link ClipOptions}, all optional here: `frames`
 * defaults to 16, `width` and `height` to 32, the others as there. A video
 * whose frames at the output size fit in `maxBufferBytes` (per clip) is
 * decoded whole in one ffmpeg pass; a longer one is probed and streamed.
 */
export interface ExtractOptions extends Partial<ClipOptions> {
  /** Cache folder; created if missing. */
  readonly out: string;
  /** Clips decoded at once (each one ffmpeg process). @default CPU cores */
  readonly workers?: number;
  /** Clips per shard file. @default 64 */
  readonly clipsPerShard?: number;
  /** Process only shard files with `shard % count === index` (one job of an array job). */
  readonly shard?: { readonly index: number; readonly count: number };
  readonly onProgress?: (progress: ExtractProgress) => void;
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
  /**
   * Shards of this job where no item could be read: not written, so a re-run
   * (after fixing the files) tries them again. Non-empty means the run failed.
   */
  readonly failedShards: readonly number[];
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
      const result = await extractShards(dataset, { ...options, signal: scope.signal });
      // The job that completes a cache (the last of several sharing its folder, too) adds the masks and scenes;
      // where two finish at once, the one that finds the other at it leaves the work to it.
      const sharded = (options.shard?.count ?? 1) > 1;
      if (result.complete) {
        await extractCompanions(dataset, { ...options, signal: scope.signal }).catch((error: unknown) => {
          if (!(sharded && error instanceof CacheLockedError)) throw error;
        });
      }
      return result;
    } catch (error) {
      scope.throwIfAborted(() => interruptedLine(path.resolve(options.out)));
      throw error;
    }
  });
}

/**
 * Extracts what a dataset ships beside its clips into sub-caches with the
 * same frames, size and sampling: the person masks (gray, into `masks/`)
 * and the empty scenes (one frame each, into `scenes/`). Both resume like
 * any cache; a dataset without them costs nothing.
 */
async function extractCompanions(dataset: VideoDataset, options: ExtractOptions): Promise<void> {
  const masked = dataset.items.filter((item) => item.mask !== undefined);
  const { shard: _shard, ...whole } = options;
  if (masked.length > 0) {
    const masks = masked.map((item) => ({
      ...item,
      path: item.mask as string,
      kind: 'video' as const,
      mask: undefined,
    }));
    const result = await extractShards(
      { ...dataset, layout: `${dataset.layout}-masks`, items: masks, scenes: undefined },
      { ...whole, out: path.join(options.out, MASKS_FOLDER), pixelFormat: 'gray' },
    );
    if (!result.complete) throw new Error(`the person masks of ${dataset.root} could not all be extracted`);
  }
  if (dataset.scenes?.length) {
    const classes = [...new Set(dataset.scenes.map((scene) => scene.label))].sort();
    const result = await extractShards(
      { ...dataset, layout: `${dataset.layout}-scenes`, classes, items: dataset.scenes, scenes: undefined },
      { ...whole, out: path.join(options.out, SCENES_FOLDER), frames: 1, sampler: 'uniform', stride: 1 },
    );
    if (!result.complete) throw new Error(`the empty scenes of ${dataset.root} could not all be extracted`);
  }
}

/** What an interrupted extraction leaves in `out`, in one line. */
function interruptedLine(out: string): string {
  const plan = readPlan(out);
  const records = plan ? readShardTable(out, plan).records.filter((r): r is ShardRecord => r !== undefined) : [];
  const clips = records.reduce((sum, r) => sum + r.clips.length, 0);
  return (
    `extractDataset: interrupted; kept ${records.length} of ${plan?.shardCount ?? 0} shard(s) (${clips} clips) ` +
    `in ${out}; run the cell again to resume from them`
  );
}

/** extractDataset with `options.signal` already joined with Kernel > Interrupt. */
async function extractShards(dataset: VideoDataset, options: ExtractOptions): Promise<ExtractResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  // Every setting is checked before anything is written, so a refused run leaves no cache.json behind.
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
  if (dataset.items.some((item) => item.kind !== 'frames')) {
    locateTool('ffmpeg'); // a broken install fails here once, not once per video
    locateTool('ffprobe');
  }
  const existing = fs.statSync(out, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory())
    throw new Error(`${out} is a file, not a cache folder; pass a folder for --out (new or an earlier cache)`);
  fs.mkdirSync(out, { recursive: true });
  const unlock = lockCache(out, slice);
  try {
    return await extractLocked(dataset, options, { out, config, clipsPerShard, workers, slice, started });
  } finally {
    unlock();
  }
}

interface Settings {
  readonly out: string;
  readonly config: CacheConfig;
  readonly clipsPerShard: number;
  readonly workers: number;
  readonly slice: { readonly index: number; readonly count: number };
  readonly started: number;
}

/** One shard being written: clips go to a temp file in item order as soon as the ones before them are in. */
interface ShardWriter {
  readonly shard: number;
  readonly items: readonly number[];
  /** Results waiting for an earlier item (the only clips held in memory). */
  readonly waiting: Map<number, { clip: Clip } | { error: string }>;
  next: number;
  fd?: number;
  offset: number;
  readonly hash: crypto.Hash;
  readonly entries: CacheClipEntry[];
  readonly skipped: SkippedItem[];
}

/** This job's counts so far: resumed shards count at the start, written ones as they finish. */
interface Tally {
  /** Items handled (written, skipped or resumed). */
  done: number;
  /** Items that could not be read in this run. */
  skippedCount: number;
  clips: number;
  paddedClips: number;
  resumedShards: number;
  readonly skipped: SkippedItem[];
  readonly failedShards: number[];
}

/** What the workers share: the plan, where the shards go, the shards being written, and the tally. */
interface ShardJob {
  readonly out: string;
  readonly plan: CachePlan;
  readonly classIndex: ReadonlyMap<string, number>;
  readonly writers: Map<number, ShardWriter>;
  readonly tally: Tally;
}

async function extractLocked(dataset: VideoDataset, options: ExtractOptions, s: Settings): Promise<ExtractResult> {
  const { out, config, clipsPerShard, workers, slice } = s;
  const plan = ensurePlan(out, dataset, config, clipsPerShard);
  const mine = Array.from({ length: plan.shardCount }, (_, k) => k).filter((k) => k % slice.count === slice.index);
  const total = mine.reduce((sum, k) => sum + shardItems(plan, k).length, 0);
  const tally: Tally = {
    done: 0,
    skippedCount: 0,
    clips: 0,
    paddedClips: 0,
    resumedShards: 0,
    skipped: [],
    failedShards: [],
  };
  const report = (): void => options.onProgress?.({ done: tally.done, total, skipped: tally.skippedCount });

  // One listing and one pass over the sidecars (or index.json): linear in shards.
  const table = readShardTable(out, plan);
  const todo = countFinishedShards(plan, table, mine, tally);
  if (todo.length) removeStaleFiles(out, table.names, todo);
  report();

  const job: ShardJob = {
    out,
    plan,
    classIndex: new Map(plan.classes.map((name, i) => [name, i])),
    writers: new Map(todo.map((shard) => [shard, newShardWriter(plan, shard)])),
    tally,
  };
  await extractClips(job, todo, dataset, options, config, workers, report);

  if (total > 0 && tally.clips === 0) {
    const first = tally.skipped[0]?.error ?? 'no item was extracted';
    throw new Error(
      `no clip could be extracted: all ${total} item(s) of this run failed (first: ${first}); ` +
        'nothing was marked done: fix or remove those files and run the same command again',
    );
  }
  const complete = tally.failedShards.length === 0 && writeIndexIfComplete(out, plan);
  return {
    clips: tally.clips,
    shards: mine.length,
    resumedShards: tally.resumedShards,
    skipped: tally.skipped,
    seconds: (Date.now() - s.started) / 1000,
    complete,
    paddedClips: tally.paddedClips,
    failedShards: tally.failedShards,
  };
}

/** Counts the shards of `mine` an earlier run finished into the tally; returns the others, still to do. */
function countFinishedShards(plan: CachePlan, table: ShardTable, mine: readonly number[], tally: Tally): number[] {
  const todo: number[] = [];
  for (const shard of mine) {
    const record = table.records[shard];
    if (record) {
      tally.resumedShards++;
      tally.clips += record.clips.length;
      tally.paddedClips += record.clips.filter((c) => (c.paddedFrames ?? 0) > 0).length;
      tally.skipped.push(...record.skipped);
      tally.done += shardItems(plan, shard).length;
    } else {
      todo.push(shard);
    }
  }
  return todo;
}

/** An index must never describe an incomplete cache; leftovers of a killed run go too. */
function removeStaleFiles(out: string, names: Iterable<string>, todo: readonly number[]): void {
  fs.rmSync(path.join(out, 'index.json'), { force: true });
  const prefixes = new Set(todo.map(shardName));
  for (const name of names)
    if (name.includes('.tmp-') && prefixes.has(name.split('.')[0] as string))
      fs.rmSync(path.join(out, name), { force: true });
}

function newShardWriter(plan: CachePlan, shard: number): ShardWriter {
  return {
    shard,
    items: shardItems(plan, shard),
    waiting: new Map(),
    next: 0,
    offset: 0,
    hash: crypto.createHash('sha256'),
    entries: [],
    skipped: [],
  };
}

/** The temp file a shard is written to until it is complete. */
function shardTemp(out: string, shard: number): string {
  return path.join(out, `${shardName(shard)}.bin.tmp-${process.pid}`);
}

/**
 * One queue of clips across this job's shards, so K workers stay busy past
 * shard boundaries; a shard is written as soon as all its clips are in.
 */
async function extractClips(
  job: ShardJob,
  todo: readonly number[],
  dataset: VideoDataset,
  options: ExtractOptions,
  config: CacheConfig,
  workers: number,
  report: () => void,
): Promise<void> {
  type Slot = { shard: number; position: number };
  const queue: Slot[] = todo.flatMap((shard) =>
    shardItems(job.plan, shard).map((_, position) => ({ shard, position })),
  );
  const byPath = new Map(dataset.items.map((item) => [item.path, item]));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      options.signal?.throwIfAborted();
      const slot = queue[next++] as Slot;
      const w = job.writers.get(slot.shard) as ShardWriter;
      const planned = job.plan.items[w.items[slot.position] as number];
      const result = await extractPlanned(planned?.path, byPath, options, config, job.tally);
      w.waiting.set(slot.position, result);
      job.tally.done++;
      flushShard(job, w);
      report();
    }
  };
  let settled: PromiseSettledResult<void>[];
  try {
    // allSettled, not all: on abort no worker may still be writing a shard when this returns.
    settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(workers, queue.length)) }, worker));
  } finally {
    // Unfinished shards are redone by the next run: their temps go now, on every exit path (a kill: the next run).
    for (const w of job.writers.values()) {
      if (w.fd !== undefined) fs.closeSync(w.fd);
      fs.rmSync(shardTemp(job.out, w.shard), { force: true });
    }
  }
  options.signal?.throwIfAborted();
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
}

/** One planned item's clip, or why it could not be read (counted as skipped). */
async function extractPlanned(
  plannedPath: string | undefined,
  byPath: ReadonlyMap<string, VideoDataset['items'][number]>,
  options: ExtractOptions,
  config: CacheConfig,
  tally: Tally,
): Promise<{ clip: Clip } | { error: string }> {
  const item = byPath.get(plannedPath ?? '');
  try {
    if (!item) throw new Error(`${plannedPath}: listed in cache.json but no longer in the dataset`);
    const clip = await extractItemClip(item, {
      ...clipOptions(config),
      maxBufferBytes: options.maxBufferBytes,
      signal: options.signal,
    });
    return { clip };
  } catch (error) {
    // A missing tool is not one bad video: stop rather than call every video unreadable.
    if (options.signal?.aborted || error instanceof FfmpegMissingError) throw error;
    tally.skippedCount++;
    return { error: (error as Error).message };
  }
}

/** Writes the shard's clips that are next in item order, and finishes the shard when all are in. */
function flushShard(job: ShardJob, w: ShardWriter): void {
  for (let part = w.waiting.get(w.next); part; part = w.waiting.get(w.next)) {
    w.waiting.delete(w.next);
    const itemIndex = w.items[w.next] as number;
    const item = job.plan.items[itemIndex] as CachePlan['items'][number];
    w.next++;
    if ('error' in part) {
      w.skipped.push({ path: item.path, error: part.error });
      continue;
    }
    const { data, sourceFrames, decodedFrames, paddedFrames, indices } = part.clip;
    const temp = shardTemp(job.out, w.shard);
    const fd = (w.fd ??= fs.openSync(temp, 'w'));
    namingPath(temp, () => fs.writeSync(fd, data));
    w.hash.update(data);
    w.entries.push({
      ...item,
      item: itemIndex,
      labelIndex: job.classIndex.get(item.label) ?? -1,
      shard: w.shard,
      offset: w.offset,
      length: data.length,
      sha256: sha256(data),
      sourceFrames,
      decodedFrames,
      paddedFrames,
      indices,
    });
    w.offset += data.length;
  }
  if (w.next === w.items.length) finishShard(job, w);
}

/** Renames the complete shard into place and writes its sidecar; a shard with no readable item is failed. */
function finishShard(job: ShardJob, w: ShardWriter): void {
  const { out, writers, tally } = job;
  tally.skipped.push(...w.skipped);
  if (w.entries.length === 0) {
    // Nothing readable: recording the shard would make every re-run skip these items for good.
    writers.delete(w.shard);
    tally.failedShards.push(w.shard);
    return;
  }
  const name = shardName(w.shard);
  const temp = shardTemp(out, w.shard);
  const fd = w.fd as number;
  namingPath(temp, () => fs.fsyncSync(fd));
  fs.closeSync(fd);
  w.fd = undefined;
  fs.renameSync(temp, path.join(out, `${name}.bin`));
  writers.delete(w.shard); // renamed: no temp of it is left to clean up
  const record: ShardRecord = {
    shard: w.shard,
    file: `${name}.bin`,
    bytes: w.offset,
    sha256: w.hash.digest('hex'),
    clips: w.entries,
    skipped: w.skipped,
  };
  // The sidecar goes last: its existence is what marks the shard done.
  writeFileAtomic(path.join(out, `${name}.json`), JSON.stringify(record));
  tally.clips += w.entries.length;
  tally.paddedClips += w.entries.filter((e) => (e.paddedFrames ?? 0) > 0).length;
}

function cacheConfig(o: ExtractOptions): CacheConfig {
  const pixelFormat = o.pixelFormat ?? 'rgb24';
  if (pixelFormat !== 'rgb24' && pixelFormat !== 'gray')
    throw new Error(`pixelFormat must be rgb24 or gray, got ${pixelFormat}`);
  const resize = o.resize ?? 'crop';
  if (!['stretch', 'crop', 'pad'].includes(resize))
    throw new Error(`resize must be stretch, crop or pad, got ${resize}`);
  if (o.fps !== undefined && !(o.fps > 0 && Number.isFinite(o.fps)))
    throw new Error(`fps must be a positive number, got ${o.fps}`);
  const sampler = o.sampler ?? 'uniform';
  getSampler(sampler); // throws naming the registered samplers
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a whole number, got ${seed}`);
  const frames = positiveInt('frames', o.frames ?? 16);
  const width = positiveInt('width', o.width ?? 32);
  const height = positiveInt('height', o.height ?? 32);
  if (width > MAX_SIDE || height > MAX_SIDE)
    throw new Error(
      `frame size ${width}x${height} is larger than ffmpeg's ${MAX_SIDE}x${MAX_SIDE}; choose a smaller size`,
    );
  const channels = pixelFormat === 'gray' ? 1 : 3;
  const clipBytes = frames * width * height * channels;
  if (clipBytes > MAX_CLIP_BYTES) {
    throw new Error(
      `a clip of ${frames} frames at ${width}x${height}${channels === 1 ? ' gray' : ' RGB'} is ` +
        `${(clipBytes / 2 ** 20).toFixed(0)} MiB, over the ${MAX_CLIP_BYTES / 2 ** 20} MiB limit per clip ` +
        '(each is held whole while it is decoded and written, and training makes it 4x larger); use fewer frames or a smaller size',
    );
  }
  return {
    frames,
    width,
    height,
    channels,
    pixelFormat,
    resize,
    fps: o.fps ?? null,
    sampler,
    stride: positiveInt('stride', o.stride ?? 1),
    seed,
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
      ...(item.mask ? { mask: item.mask } : {}),
    })),
  };
  const file = path.join(out, 'cache.json');
  let existing = readPlan(out);
  if (!existing) {
    // Create without replacing: of two runs starting at once, one plan wins and the other is compared with it.
    const temp = `${file}.tmp-${process.pid}`;
    writeFileAtomic(temp, JSON.stringify(plan, null, 1));
    try {
      fs.linkSync(temp, file);
      return plan;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      existing = readPlan(out) as CachePlan;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  const differs: string[] = [];
  if (JSON.stringify(existing.config) !== JSON.stringify(plan.config)) differs.push('settings');
  if (existing.clipsPerShard !== plan.clipsPerShard) differs.push('clips per shard');
  if (JSON.stringify(existing.items) !== JSON.stringify(plan.items)) differs.push('dataset items');
  if (differs.length) {
    // A cache written into the dataset's own folder (or around it) shares it with the videos: never advise deleting it.
    const within = (inner: string, outer: string) => !path.relative(outer, inner).startsWith('..');
    const shared = within(path.resolve(dataset.root), path.resolve(out)) || within(path.resolve(out), dataset.root);
    const fix = shared
      ? `use another --out folder; ${out} also holds the dataset's videos, so to start over there delete only ` +
        "the cache's files in it (cache.json, index.json, shard-*), never the folder"
      : `use another --out folder, or delete ${out} to start over`;
    throw new Error(
      `${path.join(out, 'cache.json')} was made with different ${differs.join(' and ')}; ${fix} ` +
        '(nothing in it was changed)',
    );
  }
  return existing;
}

function shardItems(plan: CachePlan, shard: number): number[] {
  const start = shard * plan.clipsPerShard;
  const end = Math.min(plan.items.length, start + plan.clipsPerShard);
  return Array.from({ length: Math.max(0, end - start) }, (_, k) => start + k);
}

/** index.json: the plan plus every shard record, written once all shards are complete. */
function writeIndexIfComplete(out: string, plan: CachePlan): boolean {
  const { records } = readShardTable(out, plan);
  if (records.some((r) => r === undefined)) return false;
  writeCacheIndex(out, plan, records as ShardRecord[]);
  return true;
}

function positiveInt(name: string, value: number): number {
  return requireWholeNumber(name, value);
}
