import * as path from 'node:path';

import { DatasetError, loadDataset } from '../../lib/data';
import { describeFsError } from '../../lib/util/fs-error';
import { extractDataset, type ExtractOptions, type ExtractResult, openClipCache, stopAllTools } from '../../lib/video';
import { type Command, parseFlags, type ParsedFlags, UsageError } from '../command';
import { createProgressBar } from '../progress-bar';
import { parseShard, parseSize, positiveIntFlag, SPLIT_FLAGS, SPLIT_HELP, splitOrWarn, splitPlanFlags } from './flags';

export const extractCommand: Command = {
  name: 'extract',
  usage:
    'extract DATASET --out CACHE [--frames 16] [--size 32x32] [--gray] [--fps R] [--resize crop|pad|stretch] ' +
    '[--workers K] [--shard i/N] [--clips-per-shard 64] [--layout NAME] [--split N] [--split-dir DIR] ' +
    '[--val 0.15] [--test 0.15] [--group-by REGEX] [--json]',
  summary: 'decode clips into a resumable sharded cache (binary shards + JSON index); re-run to resume',
  help: [
    'DATASET             a folder: one sub-folder per class (videos, images or frame folders), or a known layout',
    '--out CACHE         the cache folder (sharded, checksummed; re-run the same command to resume)',
    '--frames F          frames per clip (default 16); --size WxH (default 32x32); --gray for one channel',
    '--fps R             resample to R frames per second first; --resize crop (default), pad or stretch',
    '--sampler NAME      which frames make a clip: uniform (default), random or dense; --seed S for random',
    '--workers K         decoding processes (default: the cores)',
    '--shard i/N         extract one of N slices (or --shard-count N with JOB_COMPLETION_INDEX or',
    '                    AWS_BATCH_JOB_ARRAY_INDEX set); actlab merge joins them; --clips-per-shard (default 64)',
    '--layout NAME       folder, image-folder, frame-folders, ucf101, hmdb51 or kinetics-csv (default: detected)',
    "--split N           UCF101/HMDB51's official split (1-3); --split-dir DIR where HMDB51's lists are",
    SPLIT_HELP,
    '--json              one JSON line: clips, shards, skipped files, seconds',
    'Example: actlab extract my-videos --out cache --frames 16 --size 112x112 --val 0.15 --test 0.15',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(args, FLAGS, 'extract');
    if (positionals.length !== 1 || !values.out) throw new UsageError(`usage: actlab ${this.usage}`);
    const out = values.out;
    const settings = extractSettings(values);
    const splitOptions = splitPlanFlags(values);
    const dataset = withDatasetErrors(() =>
      splitOrWarn(
        loadDataset(positionals[0] as string, {
          layout: values.layout,
          split: splitFlag(values.split),
          splitsDir: values['split-dir'],
        }),
        splitOptions,
        'extract',
      ),
    );
    for (const warning of dataset.warnings) console.error(`warning: ${warning}`);
    const { shard } = settings;
    const bar = createProgressBar(shard ? `extract ${shard.index}/${shard.count}` : 'extract');
    const run = await interruptible((signal) =>
      extractDataset(dataset, {
        out,
        ...settings,
        onProgress: (p) => bar.update(p.done, p.total, p.skipped ? `(${p.skipped} skipped)` : ''),
        signal,
      }),
    ).catch((error: Error) => {
      throw new UsageError(describeFsError(error, path.resolve(out)) ?? error.message, 1);
    });
    bar.finish();
    if (run.interrupted) {
      const cache = openClipCache(out);
      console.error(
        `actlab: interrupted; kept ${cache.shards.complete} of ${cache.shards.planned} shard(s) (${cache.clips.length} clips) in ${path.resolve(out)}; ` +
          `run the same command again to resume from them`,
      );
      return INTERRUPTED_EXIT;
    }
    return reportExtraction(run.value, out, values.json ?? false);
  },
};

const FLAGS = {
  out: { type: 'string' },
  frames: { type: 'string' },
  size: { type: 'string' },
  gray: { type: 'boolean' },
  fps: { type: 'string' },
  resize: { type: 'string' },
  sampler: { type: 'string' },
  seed: { type: 'string' },
  workers: { type: 'string' },
  shard: { type: 'string' },
  'shard-count': { type: 'string' },
  'clips-per-shard': { type: 'string' },
  layout: { type: 'string' },
  split: { type: 'string' },
  'split-dir': { type: 'string' },
  ...SPLIT_FLAGS,
  json: { type: 'boolean' },
} as const;

/** The clip and cache settings of the flags, each checked, in the order the errors are reported. */
function extractSettings(
  values: ParsedFlags<typeof FLAGS>['values'],
): Omit<ExtractOptions, 'out' | 'onProgress' | 'signal'> {
  const size = parseSize(values.size ?? '32x32', '--size');
  const fps = values.fps === undefined ? undefined : Number(values.fps);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed))
    throw new UsageError(`--seed must be a whole number, got "${values.seed}"`);
  const frames = positiveIntFlag(values.frames, '--frames') ?? 16;
  const workers = positiveIntFlag(values.workers, '--workers');
  const clipsPerShard = positiveIntFlag(values['clips-per-shard'], '--clips-per-shard');
  if (fps !== undefined && !(fps > 0)) throw new UsageError(`--fps must be a positive number, got "${values.fps}"`);
  const resize = values.resize ?? 'crop';
  if (resize !== 'crop' && resize !== 'pad' && resize !== 'stretch') {
    throw new UsageError(`--resize must be crop, pad or stretch, got "${resize}"`);
  }
  return {
    frames,
    width: size.width,
    height: size.height,
    pixelFormat: values.gray ? 'gray' : 'rgb24',
    resize,
    fps,
    sampler: values.sampler,
    seed,
    workers,
    clipsPerShard,
    shard: parseShard(values.shard, values['shard-count']),
  };
}

/** The skipped files, padded clips and the summary (a JSON line with --json); 1 when a shard had no readable item. */
function reportExtraction(result: ExtractResult, out: string, json: boolean): number {
  for (const skip of result.skipped) console.error(`skipped: ${skip.error}`);
  if (result.paddedClips)
    console.error(
      `warning: ${result.paddedClips} clip(s) repeat their last frame because the video had fewer frames than its ` +
        `container promised (see paddedFrames and decodedFrames in ${path.join(out, 'shard-*.json')})`,
    );
  if (json) {
    console.log(
      JSON.stringify({
        clips: result.clips,
        shards: result.shards,
        skipped: result.skipped,
        seconds: result.seconds,
        resumed_shards: result.resumedShards,
        complete: result.complete,
        padded_clips: result.paddedClips,
        failed_shards: result.failedShards,
      }),
    );
  } else {
    console.log(
      `${result.clips} clips in ${result.shards} shard(s) (${result.resumedShards} already done) in ${result.seconds.toFixed(1)}s; ` +
        `${result.skipped.length} skipped; cache ${result.complete ? 'complete' : 'partial (other shards pending)'} in ${out}`,
    );
  }
  if (result.failedShards.length) {
    console.error(
      `actlab: ${result.failedShards.length} shard(s) had no readable item and were not written ` +
        `(${result.failedShards.join(', ')}); fix or remove the files listed above and run the same command again`,
    );
    return 1;
  }
  return 0;
}

/** `--split N`: an official split number, 1 to 3. */
export function splitFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value === 1 || value === 2 || value === 3)) throw new UsageError(`--split must be 1, 2 or 3, got "${text}"`);
  return value;
}

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/**
 * Runs `work` with a signal that the first Ctrl-C (SIGINT) aborts; that also
 * kills every running ffmpeg/ffprobe child and refuses new ones. Waits for
 * `work` to stop, then resolves to `{ interrupted: true }` (or to its value when it
 * finished anyway). A second Ctrl-C quits at once.
 */
export async function interruptible<T>(
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ readonly interrupted: false; readonly value: T } | { readonly interrupted: true }> {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.removeListener('SIGINT', onSigint); // the next Ctrl-C gets Node's default: exit now
    console.error('\nactlab: stopping (press Ctrl-C again to quit at once)');
    controller.abort(new Error('interrupted by Ctrl-C'));
    stopAllTools('interrupted by Ctrl-C');
  };
  process.on('SIGINT', onSigint);
  try {
    return { interrupted: false, value: await work(controller.signal) };
  } catch (error) {
    if (controller.signal.aborted) return { interrupted: true };
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export function withDatasetErrors<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DatasetError) throw new UsageError(error.message, 1);
    const line = describeFsError(error);
    if (line) throw new UsageError(line, 1);
    throw error;
  }
}
