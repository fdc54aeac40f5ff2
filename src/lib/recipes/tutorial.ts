/**
 * The tutorial's training recipes: for each model the chapters train, the
 * builder, batch size, epochs, optimizer and augmentation that reach the
 * README's accuracy on the bundled data. The notebooks and `actlab train`
 * read them from here, so both give the same result.
 */
import type * as tf from '@tensorflow/tfjs';

import { c3dSmall, cnn2d, r2plus1dTiny, resnext3dTiny } from '../models';
import type { AugmentOptions } from '../pipeline/augment';
import type { OptimizerSpec } from '../train/optimizers';
import { cosineDecay, type LrSchedule, stepDecay } from '../train/schedule';

export const RECIPE_MODELS = ['cnn2d', 'c3d', 'resnext3d', 'r2plus1d'] as const;
export type RecipeModel = (typeof RECIPE_MODELS)[number];

export interface BuildOptions {
  /** One clip `[T,H,W,C]` of the cache (a frame model takes `[H,W,C]` of it). */
  readonly clipShape: readonly number[];
  readonly numClasses: number;
  /** Seeds the initial weights. */
  readonly seed: number;
  /** Scales the recipe model's width (filters per layer). @default 1 */
  readonly widthScale?: number;
}

/** `base` filters scaled, at least 1: what a width-scaled builder gets. */
function scaled(base: number, scale = 1): number {
  return Math.max(1, Math.round(base * scale));
}

export interface Recipe {
  readonly model: RecipeModel;
  /** The run folder's name in the tutorial (`out/runs/<runName>`). */
  readonly runName: string;
  /** The chapter that trains it. */
  readonly chapter: string;
  /** 'frame' feeds one frame per clip to a 2D CNN; 'clip' whole clips to a 3D CNN. */
  readonly layout: 'clip' | 'frame';
  readonly batchSize: number;
  readonly epochs: number;
  readonly optimizer: OptimizerSpec;
  /** Per-step learning rate. @default the optimizer's constant rate */
  readonly schedule?: LrSchedule;
  /** Training augmentation (see `pipeline.AugmentOptions`); false for none. */
  readonly augment: AugmentOptions | false;
  /** The builder, e.g. `models.c3dSmall`, as the text of {@link describeRecipe} names it. */
  readonly builder: string;
  build(options: BuildOptions): tf.LayersModel;
}

/**
 * Augmentation for 32×32 clips: flips (with the left/right and cw/ccw label
 * swap) and temporal jitter only. Crops, rotations and zooms resample the
 * frame, and at 32×32 that blurs away the one-pixel motions the classes differ by.
 */
export const SMALL_CLIP_AUGMENT: AugmentOptions = { cropScale: [1, 1], rotation: 0, zoom: 0 };

/** The residual 3D models (ResNeXt, R(2+1)D) train alike: a higher rate, cosine down over 7 epochs. */
const RESIDUAL_3D_TRAINING = {
  layout: 'clip',
  batchSize: 16,
  epochs: 7,
  optimizer: { name: 'adam', learningRate: 3e-3 },
  schedule: cosineDecay(7),
  augment: SMALL_CLIP_AUGMENT,
} as const satisfies Partial<Recipe>;

const RECIPES: Readonly<Record<RecipeModel, Recipe>> = {
  cnn2d: {
    model: 'cnn2d',
    runName: 'cnn2d',
    chapter: '06',
    layout: 'frame',
    batchSize: 32,
    epochs: 15,
    optimizer: { name: 'adam', learningRate: 1e-3 },
    augment: SMALL_CLIP_AUGMENT,
    builder: 'models.cnn2d',
    build: ({ clipShape, numClasses, seed, widthScale }) =>
      cnn2d({ inputShape: clipShape.slice(1), numClasses, seed, width: scaled(16, widthScale) }),
  },
  c3d: {
    model: 'c3d',
    runName: 'c3d',
    chapter: '07',
    layout: 'clip',
    batchSize: 16,
    epochs: 7,
    optimizer: { name: 'adam', learningRate: 1e-3 },
    // A tenth of the rate for the last epoch settles the weights the noisy steps left. Not earlier:
    // on three seeds a step after epoch 5 cut short a slow start once (90.6% against 97–100%).
    schedule: stepDecay(6, 0.1),
    augment: SMALL_CLIP_AUGMENT,
    builder: 'models.c3dSmall',
    build: ({ clipShape, numClasses, seed, widthScale }) =>
      c3dSmall({ inputShape: clipShape, numClasses, seed, width: 0.125 * (widthScale ?? 1) }),
  },
  resnext3d: {
    model: 'resnext3d',
    runName: 'resnext3d-tiny',
    chapter: '08',
    ...RESIDUAL_3D_TRAINING,
    // One epoch more than R(2+1)D: on three seeds 7 epochs left one slow start at 75% (8: 90.6–94.8%).
    epochs: 8,
    schedule: cosineDecay(8),
    builder: 'models.resnext3dTiny',
    build: ({ clipShape, numClasses, seed, widthScale }) =>
      resnext3dTiny({ inputShape: clipShape, numClasses, seed, width: scaled(4, widthScale) }),
  },
  r2plus1d: {
    model: 'r2plus1d',
    runName: 'r2plus1d-tiny',
    chapter: '08',
    ...RESIDUAL_3D_TRAINING,
    builder: 'models.r2plus1dTiny',
    build: ({ clipShape, numClasses, seed, widthScale }) =>
      r2plus1dTiny({ inputShape: clipShape, numClasses, seed, width: scaled(16, widthScale) }),
  },
};

/**
 * The recipe in one line, e.g. `c3d: models.c3dSmall, 10 epochs of batches of
 * 16, adam at learning rate 0.001, augmentation: flips …`.
 */
export function describeRecipe(r: Recipe): string {
  const { name, learningRate } = r.optimizer;
  const schedule = r.schedule?.label ? ` (${r.schedule.label})` : '';
  const augment =
    r.augment === false
      ? 'no augmentation'
      : r.augment === SMALL_CLIP_AUGMENT
        ? 'augmentation: flips with the label swap and brightness/contrast, no crops, rotations or zooms'
        : 'augmentation: the pipeline defaults with ' + JSON.stringify(r.augment);
  return `${r.model}: ${r.builder}, ${r.epochs} epochs of batches of ${r.batchSize}, ${name} at learning rate ${learningRate}${schedule}, ${augment}`;
}

/** The recipe of `model`, or an error listing the known ones. */
export function recipe(model: string): Recipe {
  const found = (RECIPES as Record<string, Recipe | undefined>)[model];
  if (!found) throw new Error(`unknown model "${model}"; choose one of ${RECIPE_MODELS.join(', ')}`);
  return found;
}
