/**
 * The frame cache every training chapter starts from: the bundled dataset
 * extracted once at 16 frames of 32×32 gray. Extraction resumes, so calling
 * this on a complete cache costs a directory read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import { createProgressBar } from '../notebook/progress';
import { writeFileAtomic } from '../train/io';
import { extractDataset } from '../video/extract-dataset';
import { bundledDatasetDir, ensureBundledDataset } from './generate';

/** The settings of the bundled cache: what chapter 02 extracts. */
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
  // The cache is derived from the dataset's manifest: when the dataset was
  // regenerated (new renderer or settings), the old frames are stale.
  const manifest = fs.readFileSync(path.join(root, 'manifest.json'), 'utf8');
  const sourceFile = path.join(dir, 'bundled-source.json');
  const recorded = fs.existsSync(sourceFile) ? fs.readFileSync(sourceFile, 'utf8') : undefined;
  if (recorded !== manifest && fs.existsSync(dir)) {
    console.log(`the bundled dataset changed since ${dir} was extracted; extracting it again`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bar = createProgressBar('extract');
  const result = await extractDataset(loadDataset(root), {
    out: dir,
    ...BUNDLED_CACHE,
    onProgress: (p) => bar.update(p.done, p.total),
  });
  bar.finish();
  if (!result.complete) throw new Error(`the bundled cache in ${dir} is incomplete; delete the folder and run again`);
  if (recorded !== manifest) writeFileAtomic(sourceFile, manifest);
  return dir;
}
