/** `evaluate(model, data)`: every metric of the evaluation chapter in one report, and that report as text. */
import type * as tf from '@tensorflow/tfjs';

import { formatAccuracy, percent } from './format';
import {
  confusionMatrix,
  type Misclassified,
  misclassified,
  type PerClassReport,
  perClassMetrics,
  predictions,
  topKCorrect,
  videoLevel,
  wilsonInterval,
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

/**
 * Scores of one level (clips, or videos). Every accuracy comes with the count
 * it was measured on and its 95% Wilson interval: 90/96 and 9/10 are both
 * about 93%, but the second could well be 60%.
 */
export interface LevelReport {
  /** Clips (or videos) scored: the n of every accuracy below. */
  readonly samples: number;
  /** Samples whose highest score is the true class. */
  readonly top1Correct: number;
  /** top1Correct / samples (NaN for no samples). */
  readonly top1: number;
  /** 95% Wilson interval of top1, from top1Correct of samples ({@link wilsonInterval}). */
  readonly top1Ci: readonly [number, number];
  /** Samples whose true class is among the k highest scores. */
  readonly topKCorrect: number;
  /** topKCorrect / samples (NaN for no samples). */
  readonly topK: number;
  /** 95% Wilson interval of topK. */
  readonly topKCi: readonly [number, number];
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
  const samples = labels.length;
  // Intervals from the counts themselves: a fraction times n need not round back to the count.
  const top1Correct = topKCorrect(probs, labels, 1);
  const topKCorrectCount = topKCorrect(probs, labels, k);
  return {
    samples,
    top1Correct,
    top1: samples > 0 ? top1Correct / samples : NaN,
    top1Ci: wilsonInterval(top1Correct, samples),
    topKCorrect: topKCorrectCount,
    topK: samples > 0 ? topKCorrectCount / samples : NaN,
    topKCi: wilsonInterval(topKCorrectCount, samples),
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

/**
 * Per-class precision/recall/F1 (clip level) as a fixed-width text table, then
 * the top-1/top-k accuracies of each level with their counts and 95% intervals,
 * and chance (1 / number of classes) to read them against.
 */
export function reportText(report: EvaluationReport): string {
  const width = Math.max(5, ...report.classNames.map((n) => n.length));
  const lines = [`${'class'.padEnd(width)}  precision  recall     F1  support`];
  report.clip.metrics.perClass.forEach((m, c) => {
    lines.push(
      `${report.classNames[c]!.padEnd(width)}  ${percent(m.precision).padStart(9)}  ${percent(m.recall).padStart(6)}  ${percent(m.f1).padStart(6)}  ${String(m.support).padStart(7)}`,
    );
  });
  const macro = report.clip.metrics.macro;
  lines.push(
    `${'macro'.padEnd(width)}  ${percent(macro.precision).padStart(9)}  ${percent(macro.recall).padStart(6)}  ${percent(macro.f1).padStart(6)}`,
  );
  const accuracies = (level: LevelReport) =>
    `top-1 ${formatAccuracy(level.top1Correct, level.samples)}, ` +
    `top-${report.k} ${formatAccuracy(level.topKCorrect, level.samples)}`;
  lines.push(`clip level:  ${accuracies(report.clip)}`);
  if (report.video) lines.push(`video level: ${accuracies(report.video)}`);
  const numClasses = report.classNames.length;
  if (numClasses > 0) {
    const chance = 1 / numClasses;
    // An interval that reaches down to chance is no evidence that the model beats guessing.
    const atChance = report.clip.samples > 0 && report.clip.top1Ci[0] <= chance;
    lines.push(
      `chance:      ${percent(chance)} (1 of ${numClasses} classes)` +
        (atChance ? '; the clip-level top-1 interval reaches it: no evidence yet that the model beats guessing' : ''),
    );
  }
  return lines.join('\n');
}
