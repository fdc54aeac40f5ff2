/**
 * `diagnoseTrainedRun(run)`: the "it learned the wrong thing" doctor on a
 * trained run folder, as `actlab doctor RUN` calls it.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import '../layers'; // registers actlab's custom layers, so saved models that use them load

import type { Split } from '../data/types';
import { checkShortcuts, type PlantedBug, type ShortcutCheckId, type ShortcutCheckResult } from '../doctor';
import { cacheSource } from '../pipeline';
import { openMaskSource } from '../pipeline/masks';
import { fileIO } from '../train';
import { checkRunInput } from './run';

export interface DiagnoseTrainedRunOptions {
  /** The split to score: clips the run never trained on. @default 'test' */
  readonly split?: Split;
  /** A cache made with the run's frames, size, pixel format and classes. @default the cache the run trained on */
  readonly data?: string;
  /** Run only these checks. @default all (`SHORTCUT_CHECK_IDS`) */
  readonly checks?: readonly ShortcutCheckId[];
  /** Called with each result as it is ready. @default none */
  readonly onCheck?: (result: ShortcutCheckResult) => void;
  /** Seeds the frame shuffle of the order check. @default 0 */
  readonly seed?: number;
  /** Stops before the next batch. @default none */
  readonly signal?: AbortSignal;
  /** A shortcut to plant in every scored clip. @default the one the run was trained with (run.json `plant`), if any */
  readonly plant?: PlantedBug;
}

/**
 * Runs `doctor.checkShortcuts` on the model saved in `run`, over a split of
 * its cache (or of `options.data`), normalised with the run's statistics, in
 * batches of the run's size. The cache's person masks hide the person when it
 * has them (`CACHE/masks/`); otherwise the background check covers the centre
 * of each frame and says so. A run trained with a planted shortcut
 * (`trainRun`'s `plant`) is checked with it planted again. Bad input throws a
 * RunInputError before any work.
 */
export async function diagnoseTrainedRun(
  run: string,
  options: DiagnoseTrainedRunOptions = {},
): Promise<ShortcutCheckResult[]> {
  const { record, cache, split, normalization } = checkRunInput(run, { data: options.data, split: options.split });
  const model = await tf.loadLayersModel(fileIO(path.join(run, 'model')));
  const source = cacheSource(cache.dir);
  let masks: ReturnType<typeof openMaskSource>;
  try {
    masks = openMaskSource(cache.dir);
    return await checkShortcuts(model, {
      source,
      masks,
      split,
      normalization,
      batchSize: record.batchSize,
      seed: options.seed,
      checks: options.checks,
      onCheck: options.onCheck,
      signal: options.signal,
      plant: options.plant ?? record.plant,
    });
  } finally {
    model.dispose();
    await masks?.close();
    await source.close();
  }
}
