/** A few decoded clips per class, for looking at the data (e.g. `plot.showGrid`). */
import type { VideoDataset } from '../data/types';
import { createRng } from '../util/random';
import { type Clip, type ClipOptions, extractItemClip } from '../video/clip';

export interface SampleClipsOptions extends Partial<Omit<ClipOptions, 'signal'>> {
  /** Clips per class. @default 3 */
  readonly perClass?: number;
  /** Pick at random (seeded) instead of the first items of each class. @default 0 (first items) */
  readonly pickSeed?: number;
}

/**
 * Decodes `perClass` clips of every class, `[T,H,W,C]` uint8, keyed by class
 * name in the dataset's class order. Defaults: 16 frames, 32×32, RGB.
 */
export async function sampleClips(
  dataset: VideoDataset,
  options: SampleClipsOptions = {},
): Promise<Record<string, Clip[]>> {
  const perClass = options.perClass ?? 3;
  const clipOptions: ClipOptions = { frames: 16, width: 32, height: 32, ...options };
  const rng = options.pickSeed ? createRng(options.pickSeed) : undefined;
  const out: Record<string, Clip[]> = {};
  for (const label of dataset.classes) {
    const items = dataset.items.filter((item) => item.label === label);
    const picked = rng ? rng.shuffle(items) : items;
    out[label] = await Promise.all(picked.slice(0, perClass).map((item) => extractItemClip(item, clipOptions)));
  }
  return out;
}
