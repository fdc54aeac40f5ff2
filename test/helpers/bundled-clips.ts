/**
 * The bundled dataset's train split, read once and normalised as training
 * does, served as tf.data batches with a planted bug: what the doctor tests
 * diagnose.
 */
import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import {
  type CheckId,
  type CheckStatus,
  diagnose,
  type DiagnoseOptions,
  diagnosisText,
  type PlantedBug,
  plantBug,
} from '../../src/lib/doctor';
import { computeChannelStats, createClipPipeline } from '../../src/lib/pipeline';
import { recipe, type RecipeModel } from '../../src/lib/recipes';
import { ensureBundledCache } from '../../src/lib/synth';

export type Bug = PlantedBug;

/** Clips [T,H,W,1] of the train split (normalised, in a seeded order) and what else the checks need. */
export interface BundledClips {
  readonly xs: Float32Array[];
  readonly labels: number[];
  readonly shape: readonly number[];
  readonly classes: readonly string[];
  readonly groups: { readonly train: string[]; readonly validation: string[] };
  readonly stats: { readonly mean: number; readonly std: number };
}

/**
 * Reads up to `max` clips of the bundled cache's train split (ACTLAB_DOCTOR_CACHE
 * points at another cache of the same layout, to measure a candidate dataset).
 */
export async function readBundledClips(max: number): Promise<BundledClips> {
  const cache = process.env.ACTLAB_DOCTOR_CACHE ?? (await ensureBundledCache());
  const measured = await computeChannelStats(cache);
  const stats = { mean: measured.mean[0]!, std: measured.std[0]! };
  const pipe = createClipPipeline(cache, { split: 'train', batchSize: 16, seed: 2, augment: false, normalize: stats });
  try {
    const xs: Float32Array[] = [];
    const labels: number[] = [];
    for await (const batch of pipe.batches) {
      const size = batch.xs.length / batch.labels.length;
      batch.labels.forEach((label, i) => {
        if (xs.length >= max) return;
        xs.push(batch.xs.slice(i * size, (i + 1) * size));
        labels.push(label);
      });
      if (xs.length >= max) break;
    }
    const groupsOf = (split: string) => pipe.source.entries.filter((e) => e.split === split).map((e) => e.group);
    const groups = { train: groupsOf('train'), validation: groupsOf('val') };
    return { xs, labels, shape: pipe.sampleShape, classes: pipe.classes, groups, stats };
  } finally {
    await pipe.close();
  }
}

/** Batches of 16 `{xs [16,T,H,W,1], ys one-hot [16,C]}` of `clips`, with `bug` planted (doctor.plantBug). */
export function plantedDataset(clips: BundledClips, bug?: Bug): tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const c = clips.classes.length;
  const shape = clips.shape as [number, number, number, number];
  const clean = tf.data
    .generator(function* () {
      for (let i = 0; i < clips.xs.length; i++)
        yield tf.tidy(() => ({ xs: tf.tensor(clips.xs[i]!, shape), ys: tf.oneHot(clips.labels[i]!, c) }));
    })
    .batch(16) as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
  return bug ? plantBug(clean, bug, { normalization: clips.stats }) : clean;
}

/** A fresh tutorial model for the clips. */
export const buildRecipe = (clips: BundledClips, name: RecipeModel) =>
  recipe(name).build({ clipShape: clips.shape, numClasses: clips.classes.length, seed: 1 });

/** What every check needs to run rather than skip: the recipe's rate, the class names and the groups. */
export const everything = (clips: BundledClips, name: RecipeModel): DiagnoseOptions => ({
  learningRate: recipe(name).optimizer.learningRate,
  controlLearningRate: recipe(name).optimizer.learningRate,
  classNames: { trained: clips.classes, data: clips.classes },
  groups: clips.groups,
});

export type CheckSummary = { readonly checks: readonly { id: CheckId; status: CheckStatus; verdict: string }[] };

/** Diagnoses `model` on the clips with `bug`; asserts no tensor leaked and prints the verdicts with the time. */
export async function diagnosePlanted(
  model: tf.LayersModel,
  clips: BundledClips,
  bug: Bug | undefined,
  options: DiagnoseOptions,
) {
  const tensors = tf.memory().numTensors;
  const start = Date.now();
  const diagnosis = await diagnose(model, plantedDataset(clips, bug), options);
  assert.equal(tf.memory().numTensors, tensors, 'diagnose leaked tensors');
  const seconds = ((Date.now() - start) / 1000).toFixed(0);
  console.log(`--- ${model.name}, ${bug ?? 'healthy'} (${seconds} s)\n${diagnosisText(diagnosis)}`);
  return diagnosis;
}

/** Asserts each of `ids` ran and has `expected` status, naming the verdict of any that does not. */
export function expectStatus(diagnosis: CheckSummary, expected: CheckStatus, ids: readonly CheckId[]): void {
  for (const id of ids) {
    const check = diagnosis.checks.find((c) => c.id === id);
    assert.ok(check, `${id} did not run`);
    assert.equal(check.status, expected, `${id}: ${check.verdict}`);
  }
}

/** The verdict of check `id`. */
export const verdictOf = (diagnosis: CheckSummary, id: CheckId) => diagnosis.checks.find((c) => c.id === id)!.verdict;

/** The checks that read the data or run the model once: seconds. */
export const CHEAP: readonly CheckId[] = [
  'input-stats',
  'frames-differ',
  'label-balance',
  'initial-loss',
  'nan-dead-relu',
];
