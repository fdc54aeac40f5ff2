/**
 * The frame cache every training chapter starts from: the bundled dataset
 * extracted once at 16 frames of 32×32 gray. Extraction resumes, so calling
 * this on a complete cache costs a directory read.
 */
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import { createProgressBar } from '../notebook/progress';
import { extractDataset } from '../video/extract-dataset';
import { bundledDatasetDir, ensureBundledDataset } from './generate';

/** The settings of the bundled cache: what chapter 04 extracts. */
export const BUNDLED_CACHE = { frames: 16, width: 32, height: 32, pixelFormat: 'gray' } as const;

/** `<package>/out/data/cache-16x32x32-gray`, beside the bundled dataset. */
export function bundledCacheDir(): string {
  const { frames, width, height } = BUNDLED_CACHE;
  return path.join(path.dirname(bundledDatasetDir()), `cache-${frames}x${width}x${height}-gray`);
}

/**
 * Makes sure the bundled dataset and its frame cache exist (generating and
 * extracting what is missing, with a progress bar) and returns the cache folder.
 */
export async function ensureBundledCache(dir: string = bundledCacheDir()): Promise<string> {
  const root = await ensureBundledDataset();
  const bar = createProgressBar('extract');
  const result = await extractDataset(loadDataset(root), {
    out: dir,
    ...BUNDLED_CACHE,
    onProgress: (p) => bar.update(p.done, p.total),
  });
  bar.finish();
  if (!result.complete) throw new Error(`the bundled cache in ${dir} is incomplete; delete the folder and run again`);
  return dir;
}
