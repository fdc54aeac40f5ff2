/**
 * Does the tutorial's lesson hold beyond one lucky seed? For three data seeds
 * (the bundled set's 0, then 1 and 2) and training seeds 1, 2, 3, it renders the
 * bundled people set, extracts it as chapter 04 does, and trains each chapter
 * recipe (2D CNN, C3D, 3D ResNeXt) exactly as `actlab train` does, twice: with
 * the default augmentation (the scene paste, the fix of chapter 09) and with
 * `plain` (without it, as one would on real data and as chapters 06–08 do),
 * each scored on test and on swapped (the same actions in other actions'
 * scenes), plus the frame model pretrained on the people stills and
 * fine-tuned on frames without the paste (`cnn2d-stills-plain`, chapter 06's
 * route). A frame model is scored as chapter 06 scores it: frame
 * probabilities averaged over each clip.
 *
 * With ACTLAB_LESSON_SET=shapes it renders the coloured-shapes set instead
 * (classes that differ only by motion) and scores each recipe, R(2+1)D
 * included, on its test split.
 *
 * Usage: npm run bench:lesson   (ACTLAB_LESSON_SEEDS=0:1,1:2 picks data:train seed pairs;
 *        ACTLAB_LESSON_MODELS=c3d,resnext3d picks models; ACTLAB_LESSON_SET=shapes)
 * Last line is JSON: {"set":"people","seeds":[[0,1],...],"c3d":{"test":{"mean","min","runs"},"swapped":{..}},
 *   "c3d-plain":{..},..,"cnn2d-stills-plain":{..},"minutes":..};
 * for the shapes set {"seeds":..,"cnn2d":{"mean":..,"min":..,"runs":[..]},"c3d":{..},"resnext3d":{..},"r2plus1d":{..},"minutes":..}.
 */
import * as path from 'node:path';

import { initBackend } from '../src/lib/backend';
import { loadDataset } from '../src/lib/data';
import {
  type AugmentMode,
  pretrainOnStills,
  recipe,
  type RecipeModel,
  type RunEvaluation,
  trainRun,
} from '../src/lib/recipes';
import { BUNDLED_CACHE, ensureSyntheticDataset, generatePeopleStills, PEOPLE_CACHE } from '../src/lib/synth';
import { packageRoot } from '../src/lib/util/package-root';
import { extractDataset } from '../src/lib/video';

const DEFAULT_SEEDS: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [1, 2],
  [2, 3],
];

function parseSeeds(text: string | undefined): ReadonlyArray<readonly [number, number]> {
  if (!text) return DEFAULT_SEEDS;
  return text.split(',').map((pair) => {
    const [data, trainSeed] = pair.split(':').map(Number);
    if (!Number.isInteger(data) || !Number.isInteger(trainSeed) || trainSeed! < 1) {
      throw new Error(`ACTLAB_LESSON_SEEDS: "${pair}" is not DATA:TRAIN (integers, TRAIN >= 1)`);
    }
    return [data!, trainSeed!] as const;
  });
}

/** A video-level top-1: a frame model's frame probabilities averaged per clip, as chapter 06 scores it. */
function videoTop1(model: RecipeModel, evaluation: RunEvaluation): number {
  return model === 'cnn2d' ? evaluation.videoTop1 : evaluation.report.clip.top1;
}

function stats(runs: readonly number[]): { mean: number; min: number; max: number; runs: readonly number[] } {
  return { mean: runs.reduce((a, b) => a + b, 0) / runs.length, min: Math.min(...runs), max: Math.max(...runs), runs };
}

/** The people set: each model with and without the scene paste, on test and swapped. */
async function peopleLesson(
  seeds: ReadonlyArray<readonly [number, number]>,
  models: readonly RecipeModel[],
  started: number,
): Promise<void> {
  const root = path.join(packageRoot(), 'out', 'bench', 'lesson-people');
  const scores: Record<string, { test: number[]; swapped: number[] }> = {};
  for (const [dataSeed, trainSeed] of seeds) {
    const dataset = await ensureSyntheticDataset({
      out: path.join(root, `people-${dataSeed}`),
      set: 'people',
      seed: dataSeed,
    });
    const cache = path.join(root, `cache-${dataSeed}`);
    await extractDataset(loadDataset(dataset), { out: cache, ...PEOPLE_CACHE });
    const runs: Array<{ model: RecipeModel; augment: AugmentMode; name: string; from?: string }> = models.flatMap(
      (model) => [
        { model, augment: 'default' as const, name: model },
        { model, augment: 'plain' as const, name: `${model}-plain` },
      ],
    );
    if (models.includes('cnn2d')) {
      const stills = path.join(root, `stills-${dataSeed}`);
      await generatePeopleStills({ out: stills, seed: dataSeed });
      const pretrained = await pretrainOnStills({
        stills,
        seed: trainSeed,
        out: path.join(root, 'runs', `stills-data${dataSeed}-seed${trainSeed}`),
        progress: false,
        log: null,
      });
      console.log(`stills pretraining: val top-1 ${(pretrained.valTop1 * 100).toFixed(1)}% on unseen actors' stills`);
      runs.push({ model: 'cnn2d', augment: 'plain', name: 'cnn2d-stills-plain', from: pretrained.run });
    }
    for (const { model, augment, name, from } of runs) {
      const result = await trainRun({
        model,
        data: cache,
        out: path.join(root, 'runs', `${name}-data${dataSeed}-seed${trainSeed}`),
        seed: trainSeed,
        augment,
        from,
        resume: false,
        progress: false,
        log: null,
      });
      const test = videoTop1(model, result.test!);
      const swapped = videoTop1(model, result.swapped!);
      scores[name] ??= { test: [], swapped: [] };
      scores[name].test.push(test);
      scores[name].swapped.push(swapped);
      console.log(
        `data seed ${dataSeed}, train seed ${trainSeed}: ${name} test top-1 ${(test * 100).toFixed(1)}%, ` +
          `swapped ${(swapped * 100).toFixed(1)}% (${result.test!.report.clip.samples} clips each, ` +
          `${result.samplesPerSecond.toFixed(1)} samples/s)`,
      );
    }
  }
  const summary: Record<string, unknown> = { set: 'people', seeds };
  for (const [name, runs] of Object.entries(scores))
    summary[name] = { test: stats(runs.test), swapped: stats(runs.swapped) };
  summary['minutes'] = (Date.now() - started) / 60_000;
  console.log(JSON.stringify(summary));
}

async function main(): Promise<void> {
  const started = Date.now();
  const seeds = parseSeeds(process.env.ACTLAB_LESSON_SEEDS);
  const set = process.env.ACTLAB_LESSON_SET ?? 'people';
  if (set !== 'people' && set !== 'shapes') throw new Error(`ACTLAB_LESSON_SET must be people or shapes, got "${set}"`);
  const defaultModels = set === 'people' ? 'cnn2d,c3d,resnext3d' : 'cnn2d,c3d,resnext3d,r2plus1d';
  const models = (process.env.ACTLAB_LESSON_MODELS ?? defaultModels).split(',') as RecipeModel[];
  models.forEach((m) => recipe(m)); // fails early on an unknown name
  await initBackend();
  if (set === 'people') return peopleLesson(seeds, models, started);
  const root = path.join(packageRoot(), 'out', 'bench', 'lesson');
  const scores: Record<string, number[]> = Object.fromEntries(models.map((m) => [m, []]));
  for (const [dataSeed, trainSeed] of seeds) {
    // Regenerated when the bundled settings or the renderer changed since the last run.
    const dataset = await ensureSyntheticDataset({ out: path.join(root, `synth-${dataSeed}`), seed: dataSeed });
    const cache = path.join(root, `cache-${dataSeed}`);
    await extractDataset(loadDataset(dataset), { out: cache, ...BUNDLED_CACHE });
    for (const model of models) {
      const result = await trainRun({
        model,
        data: cache,
        out: path.join(root, 'runs', `${model}-data${dataSeed}-seed${trainSeed}`),
        seed: trainSeed,
        resume: false,
        progress: false,
        log: null,
      });
      const top1 = videoTop1(model, result.test!);
      scores[model]!.push(top1);
      console.log(
        `data seed ${dataSeed}, train seed ${trainSeed}: ${model} test top-1 ${(top1 * 100).toFixed(1)}% ` +
          `(${result.test!.report.clip.samples} clips, ${result.samplesPerSecond.toFixed(1)} samples/s)`,
      );
    }
  }
  const summary: Record<string, unknown> = { seeds };
  for (const model of models) summary[model] = stats(scores[model]!);
  summary['minutes'] = (Date.now() - started) / 60_000;
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
