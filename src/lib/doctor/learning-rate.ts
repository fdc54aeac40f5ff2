/** The LR range test and the "learning rate too high" check. */
import * as tf from '@tensorflow/tfjs';

import { disposeOptimizer, setLearningRate } from '../train/optimizers';
import { type CheckContext, type CheckResult, fmt, result } from './check';
import { crossEntropy, trainingCopy, withTrainedCopy } from './samples';

export interface LrRangeResult {
  readonly learningRates: number[];
  readonly losses: number[];
  /** LR at the lowest smoothed loss, divided by 10. */
  readonly suggested: number;
  readonly lrAtMinimum: number;
}

export interface LrRangeOptions {
  /** Steps (one mini-batch each) from `minLr` to `maxLr`. */
  readonly steps: number;
  /** @default 1e-6 */
  readonly minLr?: number;
  /** @default 10 */
  readonly maxLr?: number;
  /** Samples per step, taken in turn from the sample. @default 8 */
  readonly batchSize?: number;
}

const makeOptimizer = (name: 'adam' | 'sgd', lr: number) =>
  name === 'adam' ? tf.train.adam(lr) : tf.train.momentum(lr, 0.9);

/**
 * LR range test (Smith 2017): one copy (dropout off) trained with the rate
 * rising exponentially from `minLr` to `maxLr`, one mini-batch per step;
 * records the smoothed training loss per step and stops once it explodes.
 */
export async function lrRangeTest(
  ctx: CheckContext,
  optimizerName: 'adam' | 'sgd',
  options: LrRangeOptions,
): Promise<LrRangeResult> {
  const { steps, minLr = 1e-6, maxLr = 10, batchSize = 8 } = options;
  const n = ctx.sample.labels.length;
  const size = Math.min(batchSize, n);
  const optimizer = makeOptimizer(optimizerName, minLr);
  const copy = await trainingCopy(ctx.model);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(ctx.sample.labels, 'int32'), ctx.numClasses));
  const learningRates: number[] = [];
  const losses: number[] = [];
  try {
    copy.compile({ optimizer, loss: 'categoricalCrossentropy' });
    let smooth = NaN;
    let best = Infinity;
    for (let s = 0; s < steps; s++) {
      ctx.signal?.throwIfAborted();
      const lr = minLr * (maxLr / minLr) ** (s / Math.max(1, steps - 1));
      setLearningRate(optimizer, lr);
      const start = (s * size) % Math.max(1, n - size + 1);
      const [x, y] = [tf.slice(ctx.sample.xs, start, size), tf.slice(ys, start, size)];
      let loss: number;
      try {
        loss = (await copy.trainOnBatch(x, y)) as number;
      } finally {
        tf.dispose([x, y]);
      }
      smooth = Number.isNaN(smooth) ? loss : 0.7 * smooth + 0.3 * loss;
      learningRates.push(lr);
      losses.push(smooth);
      best = Math.min(best, smooth);
      // Past the minimum the loss explodes; nothing more to learn.
      if (!Number.isFinite(loss) || smooth > 4 * best) break;
    }
  } finally {
    tf.dispose(ys);
    copy.dispose();
    disposeOptimizer(optimizer);
  }
  const finite = losses.map((l, i) => [l, i] as const).filter(([l]) => Number.isFinite(l));
  const minIndex = finite.length > 0 ? finite.reduce((a, b) => (b[0] < a[0] ? b : a))[1] : 0;
  const lrAtMinimum = learningRates[minIndex] ?? minLr;
  return { learningRates, losses, suggested: lrAtMinimum / 10, lrAtMinimum };
}

export interface LrCheckOptions {
  /** Full-batch steps of each of the two copies. */
  readonly steps: number;
  /** Samples they train on. */
  readonly samples: number;
}

/**
 * Is the planned learning rate too high? Trains one copy at the planned rate
 * and one at a tenth of it, full-batch on the same few samples: if the
 * planned rate ends above where it started, or clearly above the tenth, it is
 * too high. Well above the range test's minimum (3×) it warns.
 */
export async function checkLearningRate(
  ctx: CheckContext,
  optimizerName: 'adam' | 'sgd',
  plannedLr: number | undefined,
  range: LrRangeResult,
  options: LrCheckOptions,
): Promise<CheckResult> {
  const title = 'Learning rate is sensible';
  const suggestion = `The LR range test suggests ${fmt(range.suggested, 2)} (loss lowest at ${fmt(range.lrAtMinimum, 2)}).`;
  if (plannedLr === undefined) {
    return result(
      'learning-rate',
      title,
      'skip',
      `No planned rate to check. ${suggestion}`,
      'Pass learningRate (and optimizer) to compare your rate with a tenth of it.',
      { ...range },
    );
  }
  const n = Math.min(options.samples, ctx.sample.labels.length);
  const labels = ctx.sample.labels.slice(0, n);
  const xs = tf.slice(ctx.sample.xs, 0, n);
  try {
    const start = crossEntropy(ctx.model, xs, labels, ctx.numClasses);
    const finalLoss = (lr: number) =>
      withTrainedCopy(
        ctx.model,
        xs,
        labels,
        ctx.numClasses,
        { steps: options.steps, optimizer: makeOptimizer(optimizerName, lr), signal: ctx.signal },
        (copy) => crossEntropy(copy, xs, labels, ctx.numClasses),
      );
    const atPlanned = await finalLoss(plannedLr);
    const atTenth = await finalLoss(plannedLr / 10);
    const details = {
      ...range,
      plannedLr,
      startLoss: start,
      lossAtPlanned: atPlanned,
      lossAtTenth: atTenth,
      ...options,
    };
    const compare = `After ${options.steps} ${optimizerName} steps on ${n} samples the loss went from ${fmt(start)} to ${fmt(atPlanned)} at lr ${fmt(plannedLr, 2)}, and to ${fmt(atTenth)} at lr ${fmt(plannedLr / 10, 2)}.`;
    if (!Number.isFinite(atPlanned) || atPlanned > start || atPlanned > 1.5 * atTenth + 0.05) {
      return result(
        'learning-rate',
        title,
        'fail',
        `Learning rate ${fmt(plannedLr, 2)} is too high. ${compare}`,
        `Train at ${fmt(plannedLr / 10, 2)} or lower (the range test suggests ${fmt(range.suggested, 2)}), and reduce it on plateau.`,
        details,
      );
    }
    // The range test is noisy (a few steps per decade, a fresh batch each): only a rate well past its
    // minimum is suspect, and only when the direct comparison has not already shown it beats a tenth of it
    // (on the bundled data the range test's minimum fell at 1e-6..3e-5 for models that train well at 1e-3).
    const beatsTenth = atPlanned < 0.5 * atTenth;
    if (!beatsTenth && plannedLr > 3 * range.lrAtMinimum) {
      return result(
        'learning-rate',
        title,
        'warn',
        `Learning rate ${fmt(plannedLr, 2)} is well above where the range-test loss bottoms out. ${compare} ${suggestion}`,
        'Try the suggested rate.',
        details,
      );
    }
    const verdict = beatsTenth
      ? `${compare} The planned rate learns faster than a tenth of it, so it stands (the range test, a few noisy steps per decade, put its minimum at ${fmt(range.lrAtMinimum, 2)}).`
      : `${compare} ${suggestion}`;
    return result('learning-rate', title, 'pass', verdict, '', details);
  } finally {
    xs.dispose();
  }
}
