/**
 * The frame model's start: the 2D CNN recipe trained on the people stills
 * (posed people in scenes, the tutorial's Stanford 40), saved like a chapter's
 * run so `trainRun({ from })` and `actlab train --from RUN` fine-tune it on
 * video frames, the route the capstone's seed 001 took from still images.
 */
import * as path from 'node:path';

import { readImageFolder } from '../data/image-folder';
import { createImagePipeline, imageSource } from '../pipeline/image-pipeline';
import { computeChannelStats } from '../pipeline/normalize';
import { ensurePeopleStills, PEOPLE_STILLS } from '../synth/people-stills';
import { fileIO, train, tutorialRunDir } from '../train';
import { recipe } from './tutorial';

/** The run folder's name under the tutorial's runs folder. */
export const STILLS_RUN = 'people-stills-cnn2d';

export interface StillsPretrainOptions {
  /** @default 8 */
  readonly epochs?: number;
  /** Seeds the weights, the shuffle and the augmentation. @default 1 */
  readonly seed?: number;
  /** An image folder (one sub-folder per class, splits in its manifest) to pretrain on. @default the people stills */
  readonly stills?: string;
  /**
   * The frames the model will be fine-tuned on (`tutorialDataset().clip` has these fields): the stills are
   * resized to their height and width, in gray for one channel. @default 64×64 RGB, the stills' own
   */
  readonly frame?: { readonly height: number; readonly width: number; readonly channels: 1 | 3 };
  /** The run folder. @default tutorialRunDir({@link STILLS_RUN}), with the frame size appended for other frames */
  readonly out?: string;
  /** train()'s progress bar. @default true */
  readonly progress?: boolean;
  /** Where per-epoch and resume lines go; null for silence. @default console.log */
  readonly log?: ((line: string) => void) | null;
}

export interface StillsPretrainResult {
  /** The run folder, holding `model/` and `history.json` (with the stills' normalisation). */
  readonly run: string;
  readonly epochs: number;
  /** Validation top-1 of the last epoch, on stills of actors it never saw. */
  readonly valTop1: number;
  /** Seconds its epochs trained for. */
  readonly seconds: number;
  readonly classes: readonly string[];
}

/**
 * Trains the 2D CNN recipe (`models.cnn2d`, its batch size, optimizer and
 * augmentation) on stills at the size of `frame` (64×64 RGB unless told; the people stills unless `stills` names
 * another image folder; rendered first when missing, in seconds) into `out`.
 * Resumes a run with the same settings and returns a complete one as it is.
 */
export async function pretrainOnStills(options: StillsPretrainOptions = {}): Promise<StillsPretrainResult> {
  const cnn = recipe('cnn2d');
  const seed = options.seed ?? 1;
  const frame = options.frame ?? { height: PEOPLE_STILLS.size, width: PEOPLE_STILLS.size, channels: 3 };
  const own = frame.height === PEOPLE_STILLS.size && frame.width === PEOPLE_STILLS.size && frame.channels === 3;
  // Another frame size is another model: its own run folder, so neither replaces the other.
  const runName = own
    ? STILLS_RUN
    : `${STILLS_RUN}-${frame.height}x${frame.width}${frame.channels === 1 ? '-gray' : ''}`;
  const out = path.resolve(options.out ?? tutorialRunDir(runName));
  const stills = readImageFolder(options.stills ?? (await ensurePeopleStills()));
  const images = imageSource(stills, { size: [frame.height, frame.width], channels: frame.channels });
  const normalization = await computeChannelStats(images, { split: 'train' });
  const stats = { mean: normalization.mean, std: normalization.std };
  const open = (split: 'train' | 'val', augment: boolean) =>
    createImagePipeline(images, {
      split,
      batchSize: cnn.batchSize,
      seed,
      normalize: stats,
      ...(augment ? { augment: cnn.augment } : {}),
    });
  const trainImages = open('train', true);
  const valImages = open('val', false);
  const model = cnn.build({ clipShape: [1, ...trainImages.sampleShape], numClasses: stills.classes.length, seed });
  try {
    trainImages.checkModel(model);
    const result = await train(model, trainImages.toTfDataset(), {
      epochs: options.epochs ?? 8,
      validationData: valImages.toTfDataset(),
      optimizer: cnn.optimizer,
      runDir: out,
      seed,
      labels: trainImages.classes,
      normalization: stats,
      augmentation: cnn.augment,
      progress: options.progress,
      log: options.log,
    });
    await model.save(fileIO(path.join(out, 'model')));
    const last = result.history[result.history.length - 1];
    return {
      run: out,
      epochs: result.history.length,
      valTop1: last?.val_acc ?? NaN,
      seconds: result.history.reduce((sum, epoch) => sum + epoch.seconds, 0),
      classes: trainImages.classes,
    };
  } finally {
    model.dispose();
    await Promise.all([trainImages.close(), valImages.close(), images.close()]);
  }
}
