/**
 * A few-shot task for transfer learning (chapter 11): the synthetic classes
 * the bundled set leaves out, performed by new actors, with a few training
 * clips per class and many test clips, extracted like the bundled cache.
 */
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import type { VideoDataset } from '../data/types';
import { createProgressBar } from '../notebook/progress';
import { requireWholeNumber } from '../util/validate';
import { extractDataset } from '../video/extract-dataset';
import { BUNDLED_CACHE } from './bundled-cache';
import { bundledDatasetDir, ensureSyntheticDataset } from './generate';
import { BUNDLED_CLASSES, MOTION_NAMES } from './motions';

/** The renderer's classes the bundled set does not use: the diagonal moves down and the two rotations. */
export const HELD_OUT_CLASSES: readonly string[] = MOTION_NAMES.filter((name) => !BUNDLED_CLASSES.includes(name));

export interface HeldOutOptions {
  /** Classes of the new task (names from `MOTION_NAMES`). @default {@link HELD_OUT_CLASSES} */
  readonly classes?: readonly string[];
  /** Training clips per class, one per actor. @default 8 */
  readonly trainPerClass?: number;
  /** Test clips per class, one per actor (other actors than training's). @default 32 */
  readonly testPerClass?: number;
  /** Renderer seed; anything but the bundled set's 0 gives actors pretraining never saw. @default 11 */
  readonly seed?: number;
}

/** The videos' folder and the frame cache of a held-out task. */
export interface HeldOutSet {
  /** Rendered videos: `<package>/out/data/synth-heldout-<seed>-<actors>`. */
  readonly videos: string;
  /** Frame cache (16×32×32 gray, as the bundled cache) with train and test splits. */
  readonly cacheDir: string;
  readonly classes: readonly string[];
  readonly trainPerClass: number;
  readonly testPerClass: number;
}

/**
 * Makes sure the held-out task's videos and frame cache exist (rendering and
 * extracting what is missing; ~10 s on 2 cores the first time) and returns
 * their folders. Actors are split by name: the first `trainPerClass` train,
 * the next `testPerClass` test, so a larger test split keeps the same training clips.
 */
export async function ensureHeldOutSet(options: HeldOutOptions = {}): Promise<HeldOutSet> {
  const classes = options.classes ?? HELD_OUT_CLASSES;
  const trainPerClass = requireWholeNumber('held-out trainPerClass', options.trainPerClass ?? 8);
  const testPerClass = requireWholeNumber('held-out testPerClass', options.testPerClass ?? 32);
  const seed = options.seed ?? 11;
  const actors = trainPerClass + testPerClass;
  const data = path.dirname(bundledDatasetDir());
  const isDefault = classes.join() === HELD_OUT_CLASSES.join();
  const tag = `heldout-${isDefault ? '' : classes.join('+') + '-'}${seed}-${actors}`;
  // Only a set still to render gets a bar: a complete one returns without a progress call.
  let render: ReturnType<typeof createProgressBar> | undefined;
  const videos = await ensureSyntheticDataset({
    out: path.join(data, `synth-${tag}`),
    classes,
    perClass: actors,
    actors,
    seed,
    frames: BUNDLED_CACHE.frames,
    width: BUNDLED_CACHE.width,
    height: BUNDLED_CACHE.height,
    onProgress: (done, total) => (render ??= createProgressBar('render')).update(done, total),
  });
  render?.finish();
  const { frames, width, height, pixelFormat } = BUNDLED_CACHE;
  const cacheDir = path.join(data, `cache-${tag}-${trainPerClass}+${testPerClass}-${frames}x${width}x${height}-gray`);
  const extract = createProgressBar('extract');
  const result = await extractDataset(splitByActor(loadDataset(videos), trainPerClass), {
    out: cacheDir,
    frames,
    width,
    height,
    pixelFormat,
    onProgress: (p) => extract.update(p.done, p.total),
  });
  extract.finish();
  if (!result.complete) throw new Error(`the held-out cache in ${cacheDir} is incomplete; run again to resume`);
  return { videos, cacheDir, classes: [...classes].sort(), trainPerClass, testPerClass };
}

/** The first `train` actors (sorted by name) train, the rest test. */
function splitByActor(dataset: VideoDataset, train: number): VideoDataset {
  const actors = [...new Set(dataset.items.map((item) => item.group))].sort();
  const trainActors = new Set(actors.slice(0, train));
  return {
    ...dataset,
    items: dataset.items.map((item) => ({ ...item, split: trainActors.has(item.group) ? 'train' : 'test' })),
  };
}
