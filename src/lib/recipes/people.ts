/**
 * The scene lesson on the bundled people set (chapter 09): runs scored on
 * `test` (scenes drawn like training's) and on `swapped` (every action in
 * other actions' scenes), side by side.
 */
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
