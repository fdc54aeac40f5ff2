/**
 * One few-shot run (chapter 11): train a model on a small cache's train split
 * for a fixed number of epochs, then score it on the test split, so that
 * scratch, frozen and fine-tuned models are compared on equal terms.
 */
import type * as tf from '@tensorflow/tfjs';

import { evaluate, type EvaluationReport, type RunRow } from '../eval';
import { summary } from '../models';
import type { AugmentOptions } from '../pipeline/augment';
import { createClipPipeline } from '../pipeline/clip-pipeline';
import type { NormalizationLike } from '../pipeline/types';
import { train } from '../train';
import { requireWholeNumber } from '../util/validate';
import { SMALL_CLIP_AUGMENT } from './tutorial';

export interface FewShotOptions {
  /** Name of the run in tables and charts, e.g. "frozen backbone + new head". */
  readonly label: string;
  /** A frame cache with train and test splits (e.g. `synth.ensureHeldOutSet().cacheDir`). */
  readonly cacheDir: string;
  /**
   * Mean and std the clips are normalised with. For a pretrained backbone,
   * its pretraining data's (`PretrainedModel.normalization`): its features
   * were learnt on inputs of that scale.
   */
  readonly normalize: NormalizationLike;
  readonly epochs: number;
  /** Adam's learning rate (constant). */
  readonly learningRate: number;
  /** Seeds the batch order and the augmentation; seed the weights where the model is built. @default 1 */
  readonly seed?: number;
  /** @default 8 */
  readonly batchSize?: number;
  /** Training augmentation. @default SMALL_CLIP_AUGMENT (flips with the label swap) */
  readonly augment?: AugmentOptions | false;
  /** train()'s progress bar and live curves. @default true */
  readonly progress?: boolean;
}

export interface FewShotResult {
  readonly label: string;
  /** The test split's report: accuracy with its count and 95% interval, confusion, per class. */
  readonly report: EvaluationReport;
  /** Training clips per epoch. */
  readonly trainClips: number;
  /** Weights the optimizer changed. */
  readonly trainableParams: number;
  readonly epochs: number;
  /** Training wall-clock seconds. */
  readonly seconds: number;
  /** Training accuracy of the last epoch. */
  readonly trainAccuracy: number;
  /** A row for `evaluation.compareRuns`. */
  readonly row: RunRow;
}

/**
 * Trains `model` (already built and seeded; its weights are not re-seeded, so
 * a pretrained backbone keeps what it learnt) with Adam at a constant rate on
 * the train split, then evaluates it on the test split. Opens and closes its
 * own pipelines; the model stays the caller's to dispose.
 */
export async function trainAndTest(model: tf.LayersModel, options: FewShotOptions): Promise<FewShotResult> {
  const epochs = requireWholeNumber('trainAndTest epochs', options.epochs);
  const batchSize = requireWholeNumber('trainAndTest batchSize', options.batchSize ?? 8);
  if (!(options.learningRate > 0)) {
    throw new Error(`trainAndTest: learningRate must be > 0; got ${options.learningRate}`);
  }
  const seed = options.seed ?? 1;
  const common = { batchSize, normalize: options.normalize } as const;
  const trainClips = createClipPipeline(options.cacheDir, {
    ...common,
    split: 'train',
    seed,
    augment: options.augment ?? SMALL_CLIP_AUGMENT,
  });
  const testClips = createClipPipeline(options.cacheDir, { ...common, split: 'test' });
  try {
    trainClips.checkModel(model);
    // No `seed` for train(): it would re-initialise every trainable weight, the pretrained ones too.
    const result = await train(model, trainClips.toTfDataset(), {
      epochs,
      optimizer: { name: 'adam', learningRate: options.learningRate },
      labels: trainClips.classes,
      normalization: options.normalize,
      progress: options.progress,
      log: null,
    });
    const report = await evaluate(model, testClips.toTfDataset(), { classNames: testClips.classes });
    const trainableParams = summary(model).trainableParams;
    const seconds = result.totalSeconds;
    return {
      label: options.label,
      report,
      trainClips: trainClips.clips,
      trainableParams,
      epochs: result.history.length,
      seconds,
      trainAccuracy: result.history[result.history.length - 1]?.acc ?? NaN,
      row: {
        model: options.label,
        params: trainableParams,
        epochs: result.history.length,
        seconds,
        testAccuracy: report.clip.top1,
        testSamples: report.clip.samples,
        numClasses: report.classNames.length,
      },
    };
  } finally {
    await Promise.all([trainClips.close(), testClips.close()]);
  }
}
