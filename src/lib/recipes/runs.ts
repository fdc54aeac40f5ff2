/**
 * Runs side by side (`actlab runs`, and the same in a notebook): one row per run
 * folder with its model, data, the settings that differ between the runs, its
 * epochs, best validation top-1, test top-1 with its 95% interval, time and
 * backend; and one chart of every run's validation accuracy per epoch.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { accuracyCell, percent, textAndHtmlTable } from '../eval/format';
import { type Figure, lineChart } from '../plot/figure';
import type { EpochRecord } from '../train/checkpoint';
import { type RunHistory, tutorialRunsDir } from '../train/run-dir';
import { RunInputError, type RunRecord } from './run';
import { readScores, type SplitScoreRecord } from './scores';

/** What one run folder says about itself. */
export interface RunSummary {
  /** The folder (absolute). */
  readonly dir: string;
  /** Its name: the folder's. */
  readonly name: string;
  /** run.json, absent for a run trained by hand with `train.train` (history.json only). */
  readonly record?: RunRecord;
  readonly model: string;
  readonly epochs: readonly EpochRecord[];
  /** The best epoch's validation top-1 (flatters a little: the test split does not). */
  readonly bestVal?: number;
  readonly test?: SplitScoreRecord;
  readonly swapped?: SplitScoreRecord;
  /** Training wall-clock seconds over the epochs recorded. */
  readonly seconds: number;
}

/** Reads a run folder: history.json (required), run.json and scores.json when there. */
export function readRunSummary(dir: string): RunSummary {
  const absolute = path.resolve(dir);
  const historyFile = path.join(absolute, 'history.json');
  if (!fs.existsSync(historyFile)) {
    throw new RunInputError(`${absolute} is not a run folder (no history.json): pass folders made by actlab train`);
  }
  const history = JSON.parse(fs.readFileSync(historyFile, 'utf8')) as RunHistory;
  const recordFile = path.join(absolute, 'run.json');
  const record = fs.existsSync(recordFile) ? (JSON.parse(fs.readFileSync(recordFile, 'utf8')) as RunRecord) : undefined;
  const scores = readScores(absolute);
  const vals = history.epochs.flatMap((e) => (e.val_acc === undefined ? [] : [e.val_acc]));
  return {
    dir: absolute,
    name: path.basename(absolute),
    ...(record ? { record } : {}),
    model: record?.model ?? history.model,
    epochs: history.epochs,
    ...(vals.length > 0 ? { bestVal: Math.max(...vals) } : {}),
    ...(scores.test ? { test: scores.test } : {}),
    ...(scores.swapped ? { swapped: scores.swapped } : {}),
    seconds: history.epochs.reduce((sum, e) => sum + e.seconds, 0),
  };
}

/** The run folders under `root` (default: the tutorial's runs folder), sorted by name. */
export function findRunFolders(root: string = tutorialRunsDir()): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(root, e.name, 'history.json')))
    .map((e) => path.join(root, e.name))
    .sort();
}

/** The settings a row may differ in, with the words the table uses. */
const SETTINGS: ReadonlyArray<readonly [keyof RunRecord, string]> = [
  ['seed', 'seed'],
  ['learningRate', 'lr'],
  ['batchSize', 'batch'],
  ['modelWidth', 'width'],
  ['augment', 'augment'],
  ['from', 'from'],
  ['freeze', 'freeze'],
  ['plant', 'plant'],
  ['epochs', 'epochs asked'],
];

/** `lr 0.003, batch 8` for the settings whose values differ between the runs. */
function differingSettings(runs: readonly RunSummary[]): Array<(run: RunSummary) => string> {
  const differ = SETTINGS.filter(([key]) => new Set(runs.map((r) => JSON.stringify(r.record?.[key]))).size > 1);
  return differ.map(([key, word]) => (run) => {
    const value = run.record?.[key];
    if (value === undefined) return '';
    if (key === 'freeze') return value ? 'frozen' : 'not frozen';
    return `${word} ${key === 'from' ? path.basename(String(value)) : String(value)}`;
  });
}

export interface RunComparison {
  readonly runs: readonly RunSummary[];
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly text: string;
  readonly html: string;
  /** Validation top-1 per epoch, one curve per run. */
  readonly figure: Figure;
}

/** Compares run folders (default: every run in the tutorial's runs folder). */
export function compareRunFolders(dirs: readonly string[] = findRunFolders()): RunComparison {
  if (dirs.length === 0) {
    throw new RunInputError(`no runs to compare: pass run folders, or train some into ${tutorialRunsDir()}`);
  }
  const runs = dirs.map(readRunSummary);
  const settings = differingSettings(runs);
  const header = ['run', 'model', 'data', 'settings', 'epochs', 'best val', 'test top-1 [95% CI]', 'time', 'backend'];
  const rows = runs.map((run) => [
    run.name,
    run.model,
    run.record ? path.basename(run.record.data) : '–',
    settings
      .map((describe) => describe(run))
      .filter(Boolean)
      .join(', ') || '–',
    String(run.epochs.length),
    percent(run.bestVal),
    run.test ? accuracyCell(Math.round(run.test.top1 * run.test.samples), run.test.samples) : '– (actlab eval RUN)',
    `${run.seconds.toFixed(run.seconds < 10 ? 1 : 0)} s`,
    run.record?.backend ?? '–',
  ]);
  const { text, html } = textAndHtmlTable(header, rows);
  const longest = Math.max(...runs.map((r) => r.epochs.length));
  const series = Object.fromEntries(
    runs.map((run) => [run.name, Array.from({ length: longest }, (_, i) => run.epochs[i]?.val_acc ?? null)]),
  );
  const figure = lineChart(
    Array.from({ length: longest }, (_, i) => i + 1),
    series,
    { title: 'Validation top-1 per epoch', xTitle: 'epoch', yTitle: 'val top-1' },
  );
  return { runs, header, rows, text, html, figure };
}
