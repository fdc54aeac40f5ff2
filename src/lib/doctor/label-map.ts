/**
 * Does the data number its classes the way the model was trained? Compares
 * class-name lists, and reads a trained model's predictions for a relabelling.
 */
import * as tf from '@tensorflow/tfjs';

import { type CheckContext, type CheckResult, chance, pct, result } from './check';
import { predictClasses } from './samples';

/** Samples whose predictions the probe reads (8 per class for 8 classes). */
const PROBE_SAMPLES = 64;

/** The class names in label-index order, as the model was trained and as the data labels them. */
export interface ClassNames {
  /** The run's class list (`history.labels`, written by `train`). */
  readonly trained: readonly string[];
  /** The data's class list (`pipeline.classes`). */
  readonly data: readonly string[];
}

/** The one-to-one label → predicted-class mapping that explains the most predictions. */
export interface Relabelling {
  /** `mapping[label]` is the predicted class paired with it (-1: none). */
  readonly mapping: readonly number[];
  /** Fraction of samples whose prediction is `mapping[label]`. */
  readonly accuracy: number;
  /** Fraction predicted as labelled (the identity mapping). */
  readonly identityAccuracy: number;
}

/**
 * Greedy assignment on the confusion counts: the largest (label, predicted)
 * cell first, each label and each predicted class used once. A model that
 * predicts one class for everything scores at most that class's share.
 */
export function bestRelabelling(
  labels: readonly number[],
  predictions: readonly number[],
  numClasses: number,
): Relabelling {
  const counts = new Map<string, { label: number; predicted: number; n: number }>();
  labels.forEach((label, i) => {
    const key = `${label},${predictions[i]}`;
    const cell = counts.get(key) ?? { label, predicted: predictions[i]!, n: 0 };
    cell.n += 1;
    counts.set(key, cell);
  });
  const mapping = new Array<number>(numClasses).fill(-1);
  const used = new Set<number>();
  let matched = 0;
  for (const cell of [...counts.values()].sort((a, b) => b.n - a.n)) {
    if (cell.label < 0 || cell.label >= numClasses || mapping[cell.label] !== -1 || used.has(cell.predicted)) continue;
    mapping[cell.label] = cell.predicted;
    used.add(cell.predicted);
    matched += cell.n;
  }
  const n = Math.max(1, labels.length);
  const identity = labels.filter((l, i) => predictions[i] === l).length;
  return { mapping, accuracy: matched / n, identityAccuracy: identity / n };
}

/** A relabelling explains the predictions when it gets at least half the sample right, 30 points above chance. */
function explains(accuracy: number, numClasses: number): boolean {
  return accuracy >= Math.max(0.5, 1 / numClasses + 0.3);
}

/** "every data label is the model's class + 1 (mod 8)" when the mapping is a shift, else its first pairs. */
function describeMapping(mapping: readonly number[], numClasses: number): string {
  const pairs = mapping.map((predicted, label) => [label, predicted] as const).filter(([l, p]) => p >= 0 && l !== p);
  const first = mapping.findIndex((p) => p >= 0);
  const shift = (mapping[first]! - first + numClasses) % numClasses;
  const isShift = first >= 0 && mapping.every((p, l) => p === -1 || p === (l + shift) % numClasses);
  if (isShift && shift !== 0) {
    const k = numClasses - shift;
    return `every data label is the model's class + ${k} (mod ${numClasses})${k === 1 ? ': off by one' : ''}`;
  }
  const listed = pairs.slice(0, 4).map(([l, p]) => `label ${l} → class ${p}`);
  return `${listed.join(', ')}${pairs.length > 4 ? ', …' : ''}`;
}

/** Compares the two class lists; undefined when they agree. */
function namesMismatch(names: ClassNames): string | undefined {
  const { trained, data } = names;
  if (trained.length !== data.length) {
    return `The model was trained on ${trained.length} classes but the data has ${data.length}.`;
  }
  const moved = data.map((name, i) => [i, name, trained.indexOf(name)] as const).filter(([i, , at]) => at !== i);
  if (moved.length === 0) return undefined;
  const missing = moved.find(([, , at]) => at < 0);
  if (missing) return `The data has class "${missing[1]}", which the model was not trained on.`;
  const mapping = data.map((name) => trained.indexOf(name));
  const shown = moved
    .slice(0, 3)
    .map(([i, name, at]) => `data label ${i} "${name}" is the model's class ${at}`)
    .join(', ');
  return `The data numbers the classes differently from the model (${describeMapping(mapping, data.length)}): ${shown}.`;
}

/**
 * A relabelling (every label off by one, 1-based indices, another class order)
 * applied to the training data trains just as well as the right labels, so no
 * training check can see it. Two things can:
 * - the class names the model was trained with against the data's (`names`);
 * - a trained model's predictions: when they match the labels only after a
 *   relabelling, the data is labelled differently from the model's training.
 * With neither (an untrained model and no names) the check is skipped.
 */
export function checkLabelMap(ctx: CheckContext, names: ClassNames | undefined): CheckResult {
  const title = 'Labels mean what the model learned';
  const { numClasses } = ctx;
  const advice =
    "Label the data with the run's class list (history.labels) in the same order, and look for 1-based or shifted label indices.";
  const mismatch = names && namesMismatch(names);
  if (mismatch) return result('label-map', title, 'fail', mismatch, advice, { classNames: names });
  const namesNote = names ? `The data's ${names.data.length} class names match the model's, in order.` : '';
  if (ctx.fresh) {
    if (names) return result('label-map', title, 'pass', namesNote, '', { classNames: names });
    return result(
      'label-map',
      title,
      'skip',
      'Not checked: no class names given, and an untrained model cannot show a relabelling.',
      'Pass classNames: { trained: history.labels, data: pipeline.classes }, or diagnose the trained model.',
      {},
    );
  }
  const n = Math.min(PROBE_SAMPLES, ctx.sample.labels.length);
  const labels = ctx.sample.labels.slice(0, n);
  const xs = tf.slice(ctx.sample.xs, 0, n);
  let probe: Relabelling;
  try {
    probe = bestRelabelling(labels, predictClasses(ctx.model, xs), numClasses);
  } finally {
    xs.dispose();
  }
  const details = { ...probe, classNames: names };
  const measured = `${pct(probe.identityAccuracy)} of ${n} samples predicted as labelled, ${pct(probe.accuracy)} after the best relabelling (${chance(numClasses)})`;
  const relabelled = explains(probe.accuracy, numClasses);
  if (relabelled && probe.accuracy >= probe.identityAccuracy + 0.25) {
    return result(
      'label-map',
      title,
      'fail',
      `The trained model's predictions match the labels only after a relabelling (${describeMapping(probe.mapping, numClasses)}): ${measured}.`,
      advice,
      details,
    );
  }
  if (relabelled) {
    const verdict = `${namesNote} The trained model's predictions follow the labels as they are: ${measured}.`;
    return result('label-map', title, 'pass', verdict.trim(), '', details);
  }
  if (names) return result('label-map', title, 'pass', namesNote, '', details);
  return result(
    'label-map',
    title,
    'skip',
    `Not checked: no class names given, and the model predicts too little to show a relabelling (${measured}).`,
    'Pass classNames: { trained: history.labels, data: pipeline.classes }.',
    details,
  );
}
