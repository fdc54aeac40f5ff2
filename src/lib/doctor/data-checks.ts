/** Checks on the data alone: normalisation, identical frames, label balance, group leakage. */
import * as tf from '@tensorflow/tfjs';

import { type CheckContext, type CheckResult, fmt, result } from './check';

/** Mean/std/min/max of the inputs: catches 0–255 pixels, constant inputs and NaNs. */
export function checkInputStats({ sample }: CheckContext): CheckResult {
  const [mean, std, min, max] = tf.tidy(() => {
    const { mean: m, variance } = tf.moments(sample.xs);
    return [
      m.dataSync()[0]!,
      Math.sqrt(variance.dataSync()[0]!),
      tf.min(sample.xs).dataSync()[0]!,
      tf.max(sample.xs).dataSync()[0]!,
    ];
  });
  const details = { mean, std, min, max };
  const title = 'Inputs are normalised';
  const range = `mean ${fmt(mean)}, std ${fmt(std)}, range ${fmt(min)}..${fmt(max)}`;
  if (![mean, std, min, max].every(Number.isFinite)) {
    return result(
      'input-stats',
      title,
      'fail',
      `Inputs contain NaN or Infinity (${range}).`,
      'Find the NaNs in the decoding or normalisation step (division by a zero std?).',
      details,
    );
  }
  if (max > 20 || min < -20) {
    return result(
      'input-stats',
      title,
      'fail',
      `Inputs look unnormalised: ${range}. Values like 0..255 make the first layers saturate and the loss start huge.`,
      'Scale pixels to [0,1] (divide by 255) and standardise with the training set mean/std: x = (x/255 − mean) / std.',
      details,
    );
  }
  if (std < 1e-3) {
    return result(
      'input-stats',
      title,
      'fail',
      `Inputs are (almost) constant: ${range}.`,
      'Check the frame decoding: every pixel has the same value.',
      details,
    );
  }
  if (Math.abs(mean) > 3 || std > 5 || std < 0.05) {
    return result(
      'input-stats',
      title,
      'warn',
      `Inputs are on an unusual scale: ${range}.`,
      'Standardise to mean ≈ 0 and std ≈ 1 (or scale to [0,1]).',
      details,
    );
  }
  return result('input-stats', title, 'pass', `Inputs look normalised: ${range}.`, '', details);
}

/** Clips [N,T,H,W,C]: do consecutive frames differ? Identical frames hide all motion. */
export function checkFramesDiffer({ sample }: CheckContext): CheckResult {
  const title = 'Frames within a clip differ';
  if (sample.xs.rank !== 5) {
    return result('frames-differ', title, 'skip', `Inputs are single frames [N,H,W,C], not clips.`, '', {});
  }
  const t = sample.xs.shape[1]!;
  if (t < 2) return result('frames-differ', title, 'skip', 'Clips have a single frame.', '', {});
  const [change, std] = tf.tidy(() => {
    const later = tf.slice(sample.xs, [0, 1], [-1, t - 1]);
    const earlier = tf.slice(sample.xs, [0, 0], [-1, t - 1]);
    const diff = tf.mean(tf.abs(tf.sub(later, earlier))).dataSync()[0]!;
    return [diff, Math.sqrt(tf.moments(sample.xs).variance.dataSync()[0]!)];
  });
  const ratio = change / (std + 1e-12);
  const details = { meanAbsFrameDifference: change, inputStd: std, ratio };
  if (ratio < 1e-3) {
    return result(
      'frames-differ',
      title,
      'fail',
      `All ${t} frames of each clip are identical (mean |frame t+1 − frame t| = ${fmt(change)}). A video model cannot see motion.`,
      'Check the clip sampler: it probably repeats one frame index (e.g. a stride of 0, or one frame decoded T times).',
      details,
    );
  }
  return result(
    'frames-differ',
    title,
    'pass',
    `Consecutive frames differ (mean |Δ| = ${fmt(change)}, ${fmt(ratio * 100)}% of the input std).`,
    '',
    details,
  );
}

/** Class counts in the scanned sample, and whether the first batch mixes classes. */
export function checkLabelBalance({ sample, numClasses }: CheckContext): CheckResult {
  const counts = new Array<number>(numClasses).fill(0);
  const outOfRange = sample.labels.filter((l) => l < 0 || l >= numClasses);
  for (const l of sample.labels) if (l >= 0 && l < numClasses) counts[l]! += 1;
  const title = 'Labels are balanced and shuffled';
  const details = { counts, firstBatchClasses: [...new Set(sample.firstBatchLabels)].length };
  if (outOfRange.length > 0) {
    return result(
      'label-balance',
      title,
      'fail',
      `Labels outside 0..${numClasses - 1} (e.g. ${outOfRange[0]}) for a model with ${numClasses} outputs.`,
      'Use 0-based class indices and make numClasses match the label map.',
      details,
    );
  }
  const present = counts.filter((c) => c > 0);
  const ratio = Math.max(...counts) / Math.max(1, Math.min(...present));
  if (details.firstBatchClasses === 1 && numClasses > 1 && sample.firstBatchLabels.length >= 4) {
    return result(
      'label-balance',
      title,
      'warn',
      `The first batch holds only class ${sample.firstBatchLabels[0]}: the data looks sorted by class, not shuffled.`,
      'Shuffle the training data (dataset.shuffle(bufferSize) with a buffer larger than one class).',
      details,
    );
  }
  const sampleNote = `(${sample.labels.length} scanned samples)`;
  if (ratio > 3 || present.length < Math.min(numClasses, sample.labels.length)) {
    return result(
      'label-balance',
      title,
      'warn',
      `Classes are unbalanced ${sampleNote}: counts ${counts.join(', ')}.`,
      'Use class weights (train.balancedClassWeights) or balanced sampling; report per-class recall, not only accuracy.',
      details,
    );
  }
  return result('label-balance', title, 'pass', `Class counts ${counts.join(', ')} ${sampleNote}.`, '', details);
}

/** Train and validation must not share groups (actors, source videos): clips of one person in both inflate accuracy. */
export function checkLeakage(
  groups: { readonly train: readonly string[]; readonly validation: readonly string[] } | undefined,
): CheckResult {
  const title = 'No train/validation leakage by group';
  if (!groups)
    return result('leakage', title, 'skip', 'No group ids given (pass groups: {train, validation}).', '', {});
  const train = new Set(groups.train);
  const shared = [...new Set(groups.validation)].filter((g) => train.has(g));
  const details = { trainGroups: train.size, validationGroups: new Set(groups.validation).size, shared };
  if (shared.length > 0) {
    return result(
      'leakage',
      title,
      'fail',
      `${shared.length} group(s) appear in both train and validation (e.g. ${shared.slice(0, 5).join(', ')}): validation accuracy will be too optimistic.`,
      'Split by group (actor / source video), not by clip: data.split with a group key.',
      details,
    );
  }
  return result(
    'leakage',
    title,
    'pass',
    `Train (${train.size} groups) and validation (${details.validationGroups} groups) share no group.`,
    '',
    details,
  );
}
