/**
 * Classification metrics as pure functions over plain arrays: `probs` is one
 * row of class probabilities per sample ([N][C]), `labels` the true class
 * indices ([N]).
 */

/** A row-major [N][C] score matrix (probabilities or logits). */
export type ScoreRows = ReadonlyArray<ArrayLike<number>>;

function checkRows(name: string, probs: ScoreRows, labels: readonly number[]): void {
  if (probs.length !== labels.length) {
    throw new Error(`${name}: ${probs.length} prediction rows but ${labels.length} labels; pass one label per row`);
  }
}

/** Index of the largest score in a row (first one on ties). */
export function argMax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** Top-1 predictions of each row. */
export function predictions(probs: ScoreRows): number[] {
  return probs.map(argMax);
}

/** Number of rows whose true class is among the k highest scores (ties broken by lower index). */
export function topKCorrect(probs: ScoreRows, labels: readonly number[], k = 1): number {
  checkRows('topKCorrect', probs, labels);
  let hits = 0;
  probs.forEach((row, n) => {
    const truth = labels[n]!;
    // Rank of the true class = how many classes beat it.
    let rank = 0;
    for (let c = 0; c < row.length; c++) {
      if (row[c]! > row[truth]! || (row[c] === row[truth] && c < truth)) rank++;
    }
    if (rank < k) hits++;
  });
  return hits;
}

/** Fraction of rows whose true class is among the k highest scores (ties broken by lower index); NaN for no rows. */
export function topKAccuracy(probs: ScoreRows, labels: readonly number[], k = 1): number {
  checkRows('topKAccuracy', probs, labels);
  return probs.length === 0 ? NaN : topKCorrect(probs, labels, k) / probs.length;
}

/**
 * Wilson score interval of a proportion: `successes` of `n` trials (e.g. clips
 * classified right of clips tested). Unlike p ± z·√(p(1−p)/n) it stays inside
 * [0, 1] and does not collapse to zero width at 0/n or n/n, which is where small
 * test splits land. `z = 1.96` gives a 95% interval; `n = 0` gives [0, 1]
 * (no evidence either way).
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] {
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`wilsonInterval: n must be a whole number of trials ≥ 0, got ${n}`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new Error(
      `wilsonInterval: successes must be a whole number from 0 to n = ${n}, got ${successes}; ` +
        'pass the count of correct samples, not the accuracy',
    );
  }
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2n = (z * z) / n;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // At 0/n and n/n one bound is exactly 0 or 1; rounding would leave it a hair off.
  return [successes === 0 ? 0 : Math.max(0, center - half), successes === n ? 1 : Math.min(1, center + half)];
}

/** Confusion matrix: rows true class, columns predicted class, counts. */
export function confusionMatrix(
  labels: readonly number[],
  predicted: readonly number[],
  numClasses: number,
): number[][] {
  if (labels.length !== predicted.length) {
    throw new Error(`confusionMatrix: ${labels.length} labels but ${predicted.length} predictions`);
  }
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  labels.forEach((t, i) => {
    const p = predicted[i]!;
    if (t < 0 || t >= numClasses || p < 0 || p >= numClasses) {
      throw new Error(`confusionMatrix: class index out of range 0..${numClasses - 1} (label ${t}, predicted ${p})`);
    }
    m[t]![p]! += 1;
  });
  return m;
}

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Samples whose true class this is. */
  readonly support: number;
}

export interface PerClassReport {
  readonly perClass: readonly ClassMetrics[];
  /** Unweighted mean over classes with support > 0. */
  readonly macro: { readonly precision: number; readonly recall: number; readonly f1: number };
  readonly accuracy: number;
}

/** Precision, recall and F1 per class from a confusion matrix (0 where undefined: no predictions or no samples). */
export function perClassMetrics(confusion: ReadonlyArray<readonly number[]>): PerClassReport {
  let correct = 0;
  let total = 0;
  const perClass = confusion.map((row, c) => {
    const tp = row[c]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((a, r) => a + r[c]!, 0);
    correct += tp;
    total += support;
    const precision = predictedAs > 0 ? tp / predictedAs : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support };
  });
  const present = perClass.filter((m) => m.support > 0);
  const mean = (key: 'precision' | 'recall' | 'f1') =>
    present.length > 0 ? present.reduce((a, m) => a + m[key], 0) / present.length : NaN;
  return {
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    accuracy: total > 0 ? correct / total : NaN,
  };
}

export interface VideoLevel {
  /** Video ids in first-seen order. */
  readonly ids: readonly string[];
  /** Mean of the clip probabilities of each video, [V][C]. */
  readonly probs: number[][];
  /** The true class of each video (its clips must agree). */
  readonly labels: number[];
  /** Clips averaged per video. */
  readonly clipCounts: number[];
}

/**
 * Video-level scores: averages the probabilities of all clips of each video
 * (several clips sampled per video at test time, as in C3D's evaluation).
 */
export function videoLevel(probs: ScoreRows, labels: readonly number[], videoIds: readonly string[]): VideoLevel {
  checkRows('videoLevel', probs, labels);
  if (videoIds.length !== probs.length) {
    throw new Error(`videoLevel: ${probs.length} clips but ${videoIds.length} video ids; pass one id per clip`);
  }
  const index = new Map<string, number>();
  const sums: number[][] = [];
  const outLabels: number[] = [];
  const counts: number[] = [];
  probs.forEach((row, n) => {
    const id = videoIds[n]!;
    let v = index.get(id);
    if (v === undefined) {
      v = sums.length;
      index.set(id, v);
      sums.push(new Array<number>(row.length).fill(0));
      outLabels.push(labels[n]!);
      counts.push(0);
    } else if (outLabels[v] !== labels[n]) {
      throw new Error(`videoLevel: clips of video "${id}" have different labels (${outLabels[v]} and ${labels[n]})`);
    }
    for (let c = 0; c < row.length; c++) sums[v]![c]! += row[c]!;
    counts[v]! += 1;
  });
  return {
    ids: [...index.keys()],
    probs: sums.map((row, v) => row.map((x) => x / counts[v]!)),
    labels: outLabels,
    clipCounts: counts,
  };
}

export interface Misclassified {
  /** Row index in the evaluated data (dataset order). */
  readonly index: number;
  /** The sample's id when ids were given (file name, video id). */
  readonly id?: string;
  readonly trueLabel: number;
  readonly predictedLabel: number;
  /** Probability given to the predicted class. */
  readonly confidence: number;
}

/** Wrong predictions, most confident first (the most instructive mistakes). */
export function misclassified(probs: ScoreRows, labels: readonly number[], ids?: readonly string[]): Misclassified[] {
  checkRows('misclassified', probs, labels);
  const out: Misclassified[] = [];
  probs.forEach((row, index) => {
    const predictedLabel = argMax(row);
    if (predictedLabel === labels[index]) return;
    out.push({
      index,
      ...(ids ? { id: ids[index] } : {}),
      trueLabel: labels[index]!,
      predictedLabel,
      confidence: row[predictedLabel]!,
    });
  });
  return out.sort((a, b) => b.confidence - a.confidence);
}
