/**
 * The bundled sets' frame caches: the people set (what every training chapter
 * starts from) at 16 frames of 64×64 RGB with its masks and scenes, and the
 * shapes set at 16 frames of 32×32 gray. Extraction resumes, so calling these
 * on a complete cache costs a directory read.
 */
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import { createProgressBar } from '../notebook/progress';
import { extractDataset } from '../video/extract-dataset';
import { bundledDatasetDir, ensureBundledDataset, ensureSyntheticDataset } from './generate';
import { PEOPLE_SYNTH } from './people-set';

/** The settings of the shapes set's cache. */
export const BUNDLED_CACHE = { frames: 16, width: 32, height: 32, pixelFormat: 'gray' } as const;

/** `<package>/out/data/cache-16x32x32-gray`, beside the bundled dataset. */
export function bundledCacheDir(): string {
  const { frames, width, height } = BUNDLED_CACHE;
  return path.join(path.dirname(bundledDatasetDir()), `cache-${frames}x${width}x${height}-gray`);
}

/** The settings of the people cache (what chapter 04 extracts): every frame of the people set, in colour, with its masks and scenes. */
export const PEOPLE_CACHE = {
  frames: PEOPLE_SYNTH.frames,
  width: PEOPLE_SYNTH.width,
  height: PEOPLE_SYNTH.height,
  pixelFormat: 'rgb24',
} as const;

/** `<package>/out/data/people`: the bundled people set (generated, not committed). */
export function peopleDatasetDir(): string {
  return path.join(path.dirname(bundledDatasetDir()), 'people');
}

/** `<package>/out/data/cache-people-16x64x64-rgb`, beside the people set. */
export function peopleCacheDir(): string {
  const { frames, width, height } = PEOPLE_CACHE;
  return path.join(path.dirname(bundledDatasetDir()), `cache-people-${frames}x${width}x${height}-rgb`);
}

/**
 * Makes sure the bundled people set exists, rendering it (with a progress bar)
 * when it is missing or was rendered with other settings; returns its folder.
 */
export async function ensurePeopleDataset(): Promise<string> {
  const render = createProgressBar('render people', { onlyForWork: true });
  const root = await ensureSyntheticDataset({
    out: peopleDatasetDir(),
    set: 'people',
    onProgress: (done, total) => render.update(done, total),
  });
  render.finish();
  return root;
}

/**
 * Makes sure the bundled people set and its frame cache (with the person
 * masks and empty scenes) exist, rendering and extracting what is missing
 * with progress bars, and returns the cache folder.
 */
export async function ensurePeopleCache(dir: string = peopleCacheDir()): Promise<string> {
  return extractInto(await ensurePeopleDataset(), dir, PEOPLE_CACHE);
}

/**
 * Makes sure the bundled dataset and its frame cache exist (generating and
 * extracting what is missing, with a progress bar) and returns the cache folder.
 */
export async function ensureBundledCache(dir: string = bundledCacheDir()): Promise<string> {
  return extractInto(await ensureBundledDataset(), dir, BUNDLED_CACHE);
}

/** Extracts the dataset in `root` into the cache `dir` (resuming), with a progress bar. */
async function extractInto(
  root: string,
  dir: string,
  clips: { frames: number; width: number; height: number; pixelFormat: 'gray' | 'rgb24' },
): Promise<string> {
  const bar = createProgressBar('extract', { onlyForWork: true });
  const result = await extractDataset(loadDataset(root), {
    out: dir,
    ...clips,
    onProgress: (p) => bar.update(p.done, p.total),
  });
  bar.finish();
  if (!result.complete) throw new Error(`the cache in ${dir} is incomplete; delete the folder and run again`);
  return dir;
}
