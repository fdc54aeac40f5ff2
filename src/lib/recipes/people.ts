/**
 * The scene lesson on the bundled people set (chapter 14): a recipe trained
 * as one would on real data (`plain`) or with the scene paste (`default`),
 * scored on `test` (scenes drawn like training's) and on `swapped` (every
 * action in other actions' scenes), and the set's scene statistics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ALL_SPLITS } from '../data/types';
import { ACTION_SCENES } from '../synth/people';
import type { SynthManifest } from '../synth/manifest';
import { ensurePeopleCache, peopleDatasetDir } from '../synth/bundled-cache';
import { type RunHistory, tutorialRunDir } from '../train/run-dir';
import { accuracyCell } from '../eval/format';
import { escapeHtml, showHtml } from '../notebook/display';
import { type AugmentMode, type RunEvaluation, runRecipe, trainRun } from './run';
import type { RecipeModel } from './tutorial';

/** One split's video-level top-1 as counts. */
export interface SplitScore {
  readonly correct: number;
  readonly n: number;
  readonly accuracy: number;
}

export interface SceneLessonRun {
  readonly model: RecipeModel;
  readonly augment: AugmentMode;
  /** The run it was fine-tuned from (e.g. the stills-pretrained frame model); absent when trained from scratch. */
  readonly from?: string;
  /** The run folder: `out/runs/people-<model>[-plain]`. */
  readonly run: string;
  readonly epochs: number;
  /** Seconds its epochs trained for, as history.json records them. */
  readonly seconds: number;
  readonly test: SplitScore;
  readonly swapped: SplitScore;
  /** The reports behind the scores, for confusion matrices. */
  readonly evaluations: { readonly test: RunEvaluation; readonly swapped: RunEvaluation };
}

export interface SceneLessonOptions {
  /** @default the recipe's */
  readonly epochs?: number;
  /** @default 1 */
  readonly seed?: number;
  /** The run folder's name under the tutorial's runs folder. @default {@link sceneLessonRunName} */
  readonly runName?: string;
  /** A run to fine-tune from (`trainRun`'s `from`), e.g. `pretrainOnStills()`'s. @default none: from scratch */
  readonly from?: string;
}

/** `people-c3d` with the scene paste, `people-c3d-plain` without: each augmentation its own run folder. */
export function sceneLessonRunName(model: RecipeModel, augment: AugmentMode): string {
  return augment === 'default' ? `people-${model}` : `people-${model}-${augment}`;
}

/**
 * Trains the recipe of `model` on the people cache (rendering and extracting
 * it first when missing) into `out/runs/<runName>`, resuming a run
 * with the same settings, and scores it on test and swapped: whole clips for
 * clip models, a frame model's frame probabilities averaged per clip.
 */
export async function trainSceneLesson(
  model: RecipeModel,
  augment: AugmentMode,
  options: SceneLessonOptions = {},
): Promise<SceneLessonRun> {
  const data = await ensurePeopleCache();
  const run = tutorialRunDir(options.runName ?? sceneLessonRunName(model, augment));
  const result = await trainRun({
    model,
    data,
    out: run,
    augment,
    epochs: options.epochs,
    seed: options.seed ?? 1,
    from: options.from,
  });
  if (!result.test || !result.swapped)
    throw new Error(`${run}: training was interrupted; run the cell again to resume`);
  const frame = runRecipe(model).layout === 'frame';
  const score = (evaluation: RunEvaluation): SplitScore => {
    const n = evaluation.report.clip.samples;
    const accuracy = frame ? evaluation.videoTop1 : evaluation.report.clip.top1;
    return { correct: Math.round(accuracy * n), n, accuracy };
  };
  const history = JSON.parse(fs.readFileSync(path.join(run, 'history.json'), 'utf8')) as RunHistory;
  return {
    model,
    augment,
    ...(options.from ? { from: path.resolve(options.from) } : {}),
    run,
    epochs: result.epochs,
    seconds: history.epochs.reduce((sum, epoch) => sum + epoch.seconds, 0),
    test: score(result.test),
    swapped: score(result.swapped),
    evaluations: { test: result.test, swapped: result.swapped },
  };
}

/** Per split of the people set: clips, and how many were filmed in their action's own scene. */
export interface SceneShare {
  readonly split: string;
  readonly clips: number;
  readonly ownScene: number;
}

/** How strongly the set ties actions to scenes, per split, read from its manifest. */
export function sceneShares(dataset: string = peopleDatasetDir()): SceneShare[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dataset, 'manifest.json'), 'utf8')) as SynthManifest;
  const shares = new Map<string, { clips: number; ownScene: number }>();
  for (const item of manifest.items) {
    const share = shares.get(item.split) ?? { clips: 0, ownScene: 0 };
    share.clips++;
    if (item.scene === ACTION_SCENES[item.label]) share.ownScene++;
    shares.set(item.split, share);
  }
  return ALL_SPLITS.flatMap((split) => {
    const share = shares.get(split);
    return share ? [{ split, ...share }] : [];
  });
}

/**
 * Shows the lesson runs as a table, test and swapped each with its 95%
 * interval and the drop between them (HTML in a notebook, text elsewhere).
 */
export function showSceneLessonTable(runs: readonly SceneLessonRun[]): void {
  const header = ['model', 'augmentation', 'test [95% CI]', 'swapped [95% CI]', 'drop (points)'];
  const rows = runs.map((r) => [
    r.from ? `${r.model} (fine-tuned from ${path.basename(r.from)})` : r.model,
    r.augment === 'default' ? 'scene paste' : r.augment,
    accuracyCell(r.test.correct, r.test.n),
    accuracyCell(r.swapped.correct, r.swapped.n),
    ((r.test.accuracy - r.swapped.accuracy) * 100).toFixed(1),
  ]);
  const cell = (tag: string) => (text: string) => `<${tag} style="text-align:left">${escapeHtml(text)}</${tag}>`;
  const html =
    `<table><tr>${header.map(cell('th')).join('')}</tr>` +
    rows.map((row) => `<tr>${row.map(cell('td')).join('')}</tr>`).join('') +
    '</table>';
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const text = [header, ...rows].map((row) => row.map((v, c) => v.padEnd(widths[c] as number)).join('  ')).join('\n');
  showHtml(html, text);
}
