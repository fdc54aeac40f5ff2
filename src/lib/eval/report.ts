/** `evaluate(model, data)`: every metric of the evaluation chapter in one report, plus a run-comparison table. */
import type * as tf from '@tensorflow/tfjs';

import { escapeHtml } from '../notebook/display';
import {
  confusionMatrix,
  type Misclassified,
  misclassified,
  type PerClassReport,
  perClassMetrics,
  predictions,
  topKAccuracy,
  videoLevel,
} from './metrics';
import { predictDataset } from './predict';

export interface EvaluateOptions {
  /** Class names in label-index order (for tables and plots). @default "class 0", "class 1", ... */
  readonly classNames?: readonly string[];
  /** k of the top-k accuracy. @default 5 (or the number of classes when smaller) */
  readonly topK?: number;
  /** Video id of every clip in dataset order; enables the video-level scores. @default none */
  readonly videoIds?: readonly string[];
  /** Sample ids (file names) in dataset order, copied into the misclassified list. @default videoIds */
  readonly sampleIds?: readonly string[];
}

export interface LevelReport {
  readonly samples: number;
  readonly top1: number;
  readonly topK: number;
  /** Rows true class, columns predicted. */
  readonly confusion: number[][];
  readonly metrics: PerClassReport;
}

export interface EvaluationReport {
  readonly classNames: readonly string[];
  readonly k: number;
  /** Each clip on its own. */
  readonly clip: LevelReport;
  /** Clip probabilities averaged per video (when videoIds were given). */
  readonly video?: LevelReport;
  /** Wrong clip predictions, most confident first (indices/ids for plot.showMisclassified). */
  readonly misclassified: readonly Misclassified[];
}

function level(
  probs: ReadonlyArray<ArrayLike<number>>,
  labels: readonly number[],
  numClasses: number,
  k: number,
): LevelReport {
  const confusion = confusionMatrix(labels, predictions(probs), numClasses);
  return {
    samples: labels.length,
    top1: topKAccuracy(probs, labels, 1),
    topK: topKAccuracy(probs, labels, k),
    confusion,
    metrics: perClassMetrics(confusion),
  };
}

/** Evaluates from predictions already collected (pure; used by {@link evaluate}). */
export function evaluatePredictions(
  probs: ReadonlyArray<ArrayLike<number>>,
  labels: readonly number[],
  options: EvaluateOptions = {},
): EvaluationReport {
  const numClasses = probs[0]?.length ?? options.classNames?.length ?? 0;
  const classNames = options.classNames ?? Array.from({ length: numClasses }, (_, i) => `class ${i}`);
  if (classNames.length !== numClasses) {
    throw new Error(`evaluate: ${classNames.length} class names but the model predicts ${numClasses} classes`);
  }
  const k = Math.min(options.topK ?? 5, numClasses);
  const video = options.videoIds ? videoLevel(probs, labels, options.videoIds) : undefined;
  return {
    classNames,
    k,
    clip: level(probs, labels, numClasses, k),
    ...(video ? { video: level(video.probs, video.labels, numClasses, k) } : {}),
    misclassified: misclassified(probs, labels, options.sampleIds ?? options.videoIds),
  };
}

/**
 * Runs `model` over `data` (`{xs, ys}` batches, dataset order fixed: do not
 * shuffle evaluation data) and reports top-1/top-k accuracy, per-class
 * precision/recall/F1, the confusion matrix, video-level scores and the
 * misclassified clips.
 */
export async function evaluate(
  model: tf.LayersModel,
  data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>,
  options: EvaluateOptions = {},
): Promise<EvaluationReport> {
  const { probs, labels } = await predictDataset(model, data);
  return evaluatePredictions(probs, labels, options);
}

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`);

/** Per-class precision/recall/F1 as a fixed-width text table, then the accuracies. */
export function reportText(report: EvaluationReport): string {
  const width = Math.max(5, ...report.classNames.map((n) => n.length));
  const lines = [`${'class'.padEnd(width)}  precision  recall     F1  support`];
  report.clip.metrics.perClass.forEach((m, c) => {
    lines.push(
      `${report.classNames[c]!.padEnd(width)}  ${pct(m.precision).padStart(9)}  ${pct(m.recall).padStart(6)}  ${pct(m.f1).padStart(6)}  ${String(m.support).padStart(7)}`,
    );
  });
  const macro = report.clip.metrics.macro;
  lines.push(
    `${'macro'.padEnd(width)}  ${pct(macro.precision).padStart(9)}  ${pct(macro.recall).padStart(6)}  ${pct(macro.f1).padStart(6)}`,
  );
  lines.push(
    `clip level:  top-1 ${pct(report.clip.top1)}, top-${report.k} ${pct(report.clip.topK)} (${report.clip.samples} clips)`,
  );
  if (report.video) {
    lines.push(
      `video level: top-1 ${pct(report.video.top1)}, top-${report.k} ${pct(report.video.topK)} (${report.video.samples} videos)`,
    );
  }
  return lines.join('\n');
}

/** One row of a run-comparison table (the write-ups' 15/27/600-class table). */
export interface RunRow {
  readonly model: string;
  readonly params: number;
  readonly epochs: number;
  /** Training wall-clock seconds. */
  readonly seconds: number;
  readonly valAccuracy?: number;
  readonly testAccuracy?: number;
  /** Anything else worth a column: dataset, classes, input size. */
  readonly note?: string;
}

export interface RunTable {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  readonly text: string;
  readonly html: string;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** A comparison table of runs (model, params, epochs, time, val/test accuracy) as text and HTML. */
export function compareRuns(runs: readonly RunRow[]): RunTable {
  const header = ['model', 'params', 'epochs', 'time', 'val acc', 'test acc', 'note'];
  const rows = runs.map((r) => [
    r.model,
    r.params >= 1e6 ? `${(r.params / 1e6).toFixed(2)} M` : `${(r.params / 1e3).toFixed(1)} k`,
    String(r.epochs),
    duration(r.seconds),
    pct(r.valAccuracy),
    pct(r.testAccuracy),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const text = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  const cell = (tag: string) => (c: string) => `<${tag}>${escapeHtml(c)}</${tag}>`;
  const html =
    `<table><thead><tr>${header.map(cell('th')).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map(cell('td')).join('')}</tr>`).join('') +
    '</tbody></table>';
  return { header, rows, text, html };
}
