/** A tiny synthetic dataset and its clip cache, made once per test process. */
import * as path from 'node:path';

import { loadDataset } from '../../src/lib/data';
import { generateSyntheticDataset } from '../../src/lib/synth';
import { extractDataset } from '../../src/lib/video';
import { tempDir } from './fixtures';

let dataset: Promise<string> | undefined;

/** 4 classes x 6 clips of 8 frames at 16x16 (seconds to make, 2 encoders at once). */
export function makeSmallDataset(): Promise<string> {
  dataset ??= (async () => {
    const root = path.join(tempDir('actlab-synth-'), 'synth');
    await generateSyntheticDataset({
      out: root,
      classes: ['move_left', 'move_up', 'grow', 'rotate_cw'],
      perClass: 6,
      actors: 3,
      frames: 8,
      width: 16,
      height: 16,
      concurrency: 2,
    });
    return root;
  })();
  return dataset;
}

/** The small dataset extracted into a cache of 4 shards (6 clips each). */
export async function makeSmallCache(): Promise<string> {
  const root = await makeSmallDataset();
  const out = path.join(tempDir('actlab-cache-'), 'cache');
  await extractDataset(loadDataset(root), { out, frames: 4, width: 8, height: 8, clipsPerShard: 6, workers: 2 });
  return out;
}
