/**
 * Per-channel mean/std from a sample of training clips, as plain JSON so a
 * run can save it next to its model and apply the same numbers at test time.
 */
import * as fs from 'node:fs';

import { createRng } from '../util/random';
import { requireWholeNumber } from '../util/validate';
import { cacheSource, type ClipSource, selectSplit, type SplitSelection } from './source';
import type { NormalizationLike } from './types';

/** Mean and standard deviation per channel, in 0..1 pixel units (not 0..255). */
export interface ChannelStats extends NormalizationLike {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Clips they were measured on, and from which split. */
  readonly clips: number;
  readonly split: SplitSelection;
}

export interface ChannelStatsOptions {
  /** Split to measure: never val/test, or their numbers leak into training. @default 'train' */
  readonly split?: SplitSelection;
  /** Clips to read (a seeded random sample); all when the split is smaller. @default 64 */
  readonly clips?: number;
  /** @default 0 */
  readonly seed?: number;
}

/**
 * Reads a seeded sample of clips from `source` (a clip source, or a cache
 * folder opened and closed here) and returns their per-channel mean and std of
 * the 0..1 values (float64 sums).
 */
export async function computeChannelStats(
  source: ClipSource | string,
  options: ChannelStatsOptions = {},
): Promise<ChannelStats> {
  if (typeof source === 'string') {
    const opened = cacheSource(source);
    try {
      return await computeChannelStats(opened, options);
    } finally {
      await opened.close();
    }
  }
  const split = options.split ?? 'train';
  const wanted = options.clips ?? 64;
  requireWholeNumber('clips', wanted);
  const chosen = createRng(`${options.seed ?? 0}:stats`)
    .shuffle(selectSplit(source, split))
    .slice(0, wanted);
  const channels = source.shape[3];
  const sum = new Float64Array(channels);
  const sumSquares = new Float64Array(channels);
  let count = 0;
  for (const i of chosen) {
    const data = await source.read(i);
    for (let p = 0; p < data.length; p++) {
      const v = (data[p] as number) / 255;
      const c = p % channels;
      sum[c] = (sum[c] as number) + v;
      sumSquares[c] = (sumSquares[c] as number) + v * v;
    }
    count += data.length / channels;
  }
  const mean = Array.from(sum, (s) => s / count);
  // A flat channel (std 0) would divide by zero: floor it at one grey level.
  const std = Array.from(sumSquares, (s, c) =>
    Math.max(Math.sqrt(Math.max(0, s / count - (mean[c] as number) ** 2)), 1 / 255),
  );
  return { mean, std, clips: chosen.length, split };
}

/** Parses stats saved with `JSON.stringify` (or {@link saveChannelStats}), checking the fields. */
export function parseChannelStats(json: string): ChannelStats {
  const value = JSON.parse(json) as Partial<ChannelStats>;
  const numbers = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number');
  if (
    !numbers(value.mean) ||
    !numbers(value.std) ||
    value.mean.length !== value.std.length ||
    value.mean.length === 0
  ) {
    throw new Error(
      `not channel stats: expected {"mean":[...],"std":[...]} of equal length, got ${json.slice(0, 200)}`,
    );
  }
  if (value.std.some((s) => !(s > 0)))
    throw new Error(`channel stats std must be > 0, got ${JSON.stringify(value.std)}`);
  return { mean: value.mean, std: value.std, clips: value.clips ?? 0, split: value.split ?? 'train' };
}

export function saveChannelStats(file: string, stats: ChannelStats): void {
  fs.writeFileSync(file, JSON.stringify(stats, null, 1));
}
