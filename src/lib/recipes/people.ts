/**
 * The scene lesson on the bundled people set (chapter 09): runs scored on
 * `test` (scenes drawn like training's) and on `swapped` (every action in
 * other actions' scenes), and the set's scene statistics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ALL_SPLITS } from '../data/types';
import { ACTION_SCENES } from '../synth/people';
import type { SynthManifest } from '../synth/manifest';
import { peopleDatasetDir } from '../synth/bundled-cache';
import { accuracyCell } from '../eval/format';
import { escapeHtml, showHtml } from '../notebook/display';
import { type RunEvaluation, runRecipe } from './run';
import type { RecipeModel } from './tutorial';

/** One split's video-level top-1 as counts. */
export interface SplitScore {
  readonly correct: number;
  readonly n: number;
  readonly accuracy: number;
}

/**
 * A run's score on one split as counts: whole clips for a clip model, the
 * clip-averaged frame probabilities (`videoTop1`) for a frame model.
 */
export function runScore(evaluation: RunEvaluation, model: RecipeModel): SplitScore {
  const n = evaluation.report.clip.samples;
  const accuracy = runRecipe(model).layout === 'frame' ? evaluation.videoTop1 : evaluation.report.clip.top1;
  return { correct: Math.round(accuracy * n), n, accuracy };
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

/** One row of {@link showSceneTable}: a model's scores on test and on swapped. */
export interface SceneScoreRow {
  /** E.g. "C3D, scene paste". */
  readonly label: string;
  readonly test: SplitScore;
  readonly swapped: SplitScore;
}

/**
 * Shows runs as a table, test and swapped each with its 95% interval and the
 * drop between them (HTML in a notebook, text elsewhere).
 */
export function showSceneTable(rows: readonly SceneScoreRow[]): void {
  const header = ['model', 'test [95% CI]', 'swapped [95% CI]', 'drop (points)'];
  const cells = rows.map((r) => [
    r.label,
    accuracyCell(r.test.correct, r.test.n),
    accuracyCell(r.swapped.correct, r.swapped.n),
    ((r.test.accuracy - r.swapped.accuracy) * 100).toFixed(1),
  ]);
  const cell = (tag: string) => (text: string) => `<${tag} style="text-align:left">${escapeHtml(text)}</${tag}>`;
  const html =
    `<table><tr>${header.map(cell('th')).join('')}</tr>` +
    cells.map((row) => `<tr>${row.map(cell('td')).join('')}</tr>`).join('') +
    '</table>';
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] as string).length)));
  const text = [header, ...cells].map((row) => row.map((v, c) => v.padEnd(widths[c] as number)).join('  ')).join('\n');
  showHtml(html, text);
}
