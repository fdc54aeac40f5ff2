/**
 * A pretrained backbone from a local path, as a real one (ImageNet, Kinetics)
 * is loaded: the model a training chapter saved, trained first when missing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { loadTutorialModel, type NormalizationStats, readRunHistory, tutorialRunDir } from '../train';
import { type TutorialDataset, tutorialDataset } from './dataset';
import { trainRun } from './run';
import { recipe, type RecipeModel } from './tutorial';

export interface PretrainedOptions {
  /** Where the not-yet-trained line (and trainRun's per-epoch lines) go; null for silence. @default console.log */
  readonly log?: ((line: string) => void) | null;
  /** trainRun's progress bar when the backbone has to be trained. @default true */
  readonly progress?: boolean;
  /** The dataset whose chapter run to load (e.g. `shapesDataset()`). @default tutorialDataset() */
  readonly dataset?: TutorialDataset;
  /**
   * 'plain': the run chapters 06–08 train, as on real data (`<run name>`);
   * 'default': the one trained with the scene paste (`<run name>-paste`, as
   * chapter 09 names its C3D). @default 'plain'
   */
  readonly augment?: 'plain' | 'default';
}

export interface PretrainedModel {
  /** The trained model, classifier included (caller disposes). Input [N,T,H,W,C] float32, normalised with `normalization`. */
  readonly model: tf.LayersModel;
  /** The folder holding `model.json` and `weights.bin`. */
  readonly path: string;
  /** The mean and std its training clips were normalised with: new inputs must use the same. */
  readonly normalization: NormalizationStats;
  /** The classes it was trained on, in output order. */
  readonly classes: readonly string[];
  /** True when this call trained it (no saved model was there). */
  readonly trained: boolean;
}

/**
 * Loads the recipe model a chapter saved in
 * `train.tutorialRunDir(<dataset's run name>)/model` (chapter 07 saves the
 * C3D there; chapter 09 the one trained with the scene paste, `…-paste`), with
 * the normalisation and classes of its history.json. When it is missing,
 * trains it first with the recipe on the dataset (`recipes.trainRun`, seed 1:
 * the chapters' settings; `ACTLAB_QUICK=1` → one epoch) and says so in one line.
 */
export async function loadPretrained(
  modelName: RecipeModel = 'c3d',
  options: PretrainedOptions = {},
): Promise<PretrainedModel> {
  const chosen = recipe(modelName);
  const dataset = options.dataset ?? tutorialDataset();
  const augment = options.augment ?? 'plain';
  const name = dataset.runName(augment === 'default' ? `${chosen.runName}-paste` : chosen.runName);
  const chapter = augment === 'default' ? '09' : chosen.chapter;
  const run = tutorialRunDir(name);
  const dir = path.join(run, 'model');
  const log = options.log === undefined ? console.log : options.log;
  const trained = !fs.existsSync(path.join(dir, 'model.json'));
  if (trained) {
    const epochs = dataset.epochs(chosen.epochs);
    log?.(
      `no pretrained ${modelName} in ${dir} (chapter ${chapter} saves it there): training it now with its recipe, ${epochs} epoch(s)`,
    );
    await trainRun({
      model: modelName,
      data: await dataset.ensureCache(),
      out: run,
      epochs,
      seed: 1,
      augment,
      progress: options.progress,
      log: options.log,
    });
  }
  const history = readRunHistory(name, chapter);
  if (!history.normalization || !history.labels) {
    throw new Error(
      `${run}/history.json records no ${history.normalization ? 'labels' : 'normalization'}: delete ${run} and run chapter ${chapter} again`,
    );
  }
  const model = await loadTutorialModel(name, chapter);
  return { model, path: dir, normalization: history.normalization, classes: history.labels, trained };
}
