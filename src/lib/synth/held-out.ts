/**
 * A few-shot task for transfer learning (chapter 11): the actions (or, on
 * the shapes set, the motions) the bundled set leaves out, performed by new
 * actors, with a few training clips per class and many test clips, extracted
 * like the bundled cache.
 */
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import type { VideoDataset } from '../data/types';
import { createProgressBar } from '../notebook/progress';
import { requireWholeNumber } from '../util/validate';
import { extractDataset } from '../video/extract-dataset';
import { BUNDLED_CACHE, PEOPLE_CACHE } from './bundled-cache';
import { bundledDatasetDir, ensureSyntheticDataset } from './generate';
import { BUNDLED_CLASSES, MOTION_NAMES } from './motions';
import { PEOPLE_HELD_OUT_ACTIONS } from './people-actions';

/** The shapes renderer's classes the shapes set does not use: the diagonal moves down and the two rotations. */
export const HELD_OUT_CLASSES: readonly string[] = MOTION_NAMES.filter((name) => !BUNDLED_CLASSES.includes(name));

export interface HeldOutOptions {
  /** The bundled set the task is held out of. @default 'people' */
  readonly set?: 'people' | 'shapes';
  /**
   * Classes of the new task. @default the set's held-out ones: `PEOPLE_HELD_OUT_ACTIONS`
   * (box, kick, skip, squat) or {@link HELD_OUT_CLASSES}
   */
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
  /** Rendered videos: `<package>/out/data/synth-heldout-…` (shapes) or `people-heldout-…`. */
  readonly videos: string;
  /** Frame cache (the bundled cache's frames, size and colour) with train and test splits. */
  readonly cacheDir: string;
  readonly classes: readonly string[];
  readonly trainPerClass: number;
  readonly testPerClass: number;
}

/**
 * Makes sure the held-out task's videos and frame cache exist (rendering and
 * extracting what is missing; seconds on 2 cores the first time) and returns
 * their folders. Actors are split by name: the first `trainPerClass` train,
 * the next `testPerClass` test, so a larger test split keeps the same
 * training clips. On the people set every clip is filmed in a scene drawn
 * evenly from all of them, so the scene tells nothing about the new actions.
 */
export async function ensureHeldOutSet(options: HeldOutOptions = {}): Promise<HeldOutSet> {
  const set = options.set ?? 'people';
  if (set !== 'people' && set !== 'shapes') throw new Error(`held-out set must be people or shapes, got "${set}"`);
  const heldOut = set === 'people' ? PEOPLE_HELD_OUT_ACTIONS : HELD_OUT_CLASSES;
  const classes = options.classes ?? heldOut;
  const trainPerClass = requireWholeNumber('held-out trainPerClass', options.trainPerClass ?? 8);
  const testPerClass = requireWholeNumber('held-out testPerClass', options.testPerClass ?? 32);
  const seed = options.seed ?? 11;
  const actors = trainPerClass + testPerClass;
  const data = path.dirname(bundledDatasetDir());
  const isDefault = classes.join() === heldOut.join();
  const tag = `heldout-${isDefault ? '' : classes.join('+') + '-'}${seed}-${actors}`;
  const clips = set === 'people' ? PEOPLE_CACHE : BUNDLED_CACHE;
  const render = createProgressBar('render', { onlyForWork: true });
  const videos = await ensureSyntheticDataset({
    out: path.join(data, `${set === 'people' ? 'people' : 'synth'}-${tag}`),
    classes,
    perClass: actors,
    actors,
    seed,
    frames: clips.frames,
    width: clips.width,
    height: clips.height,
    ...(set === 'people' ? { set: 'people', sceneCorrelation: 0 } : {}),
    onProgress: (done, total) => render.update(done, total),
  });
  render.finish();
  const { frames, width, height, pixelFormat } = clips;
  const colour = pixelFormat === 'gray' ? 'gray' : 'rgb';
  const cacheDir = path.join(
    data,
    `cache-${set === 'people' ? 'people-' : ''}${tag}-${trainPerClass}+${testPerClass}-${frames}x${width}x${height}-${colour}`,
  );
  const extract = createProgressBar('extract', { onlyForWork: true });
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
