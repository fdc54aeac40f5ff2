/** The LR range test and the "learning rate too high" check. */
import * as tf from '@tensorflow/tfjs';

import { disposeOptimizer } from '../train/optimizers';
import { type CheckContext, type CheckResult, fmt, result } from './check';
import { cloneModel, crossEntropy, trainCopy } from './samples';

export interface LrRangeResult {
  readonly learningRates: number[];
  readonly losses: number[];
  /** LR at the lowest smoothed loss, divided by 10. */
  readonly suggested: number;
  readonly lrAtMinimum: number;
}

/** LR range test: one copy trained with the rate rising exponentially from `minLr` to `maxLr`; loss per step. */
export async function lrRangeTest(
  ctx: CheckContext,
  optimizerName: 'adam' | 'sgd',
  steps: number,
  minLr = 1e-6,
  maxLr = 10,
  batchSize = 16,
): Promise<LrRangeResult> {
  const copy = await cloneModel(ctx.model);
  const optimizer = optimizerName === 'adam' ? tf.train.adam(minLr) : tf.train.momentum(minLr, 0.9);
  copy.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const n = ctx.sample.labels.length;
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(ctx.sample.labels, 'int32'), ctx.numClasses));
  const learningRates: number[] = [];
  const losses: number[] = [];
  let smooth = NaN;
  let best = Infinity;
  for (let s = 0; s < steps; s++) {
    const lr = minLr * (maxLr / minLr) ** (s / (steps - 1));
    const o = optimizer as unknown as { learningRate: number; setLearningRate?: (x: number) => void };
    if (o.setLearningRate) o.setLearningRate(lr);
    else o.learningRate = lr;
    const start = (s * batchSize) % Math.max(1, n - batchSize + 1);
    const size = Math.min(batchSize, n);
    const [x, y] = [tf.slice(ctx.sample.xs, start, size), tf.slice(ys, start, size)];
    const loss = (await copy.trainOnBatch(x, y)) as number;
    tf.dispose([x, y]);
    smooth = Number.isNaN(smooth) ? loss : 0.7 * smooth + 0.3 * loss;
    learningRates.push(lr);
    losses.push(smooth);
    best = Math.min(best, smooth);
    // Past the minimum the loss explodes; nothing more to learn.
    if (!Number.isFinite(loss) || smooth > 4 * best) break;
  }
  ys.dispose();
  copy.dispose();
  disposeOptimizer(optimizer);
  const finite = losses.map((l, i) => [l, i] as const).filter(([l]) => Number.isFinite(l));
  const minIndex = finite.reduce((a, b) => (b[0] < a[0] ? b : a))[1];
  const lrAtMinimum = learningRates[minIndex]!;
  return { learningRates, losses, suggested: lrAtMinimum / 10, lrAtMinimum };
}

/**
 * Is the planned learning rate too high? Trains one copy at the planned rate
 * and one at a tenth of it on the same samples; if the tenth ends clearly
 * lower (or the planned rate diverges), the rate is too high.
 */
export async function checkLearningRate(
  ctx: CheckContext,
  optimizerName: 'adam' | 'sgd',
  plannedLr: number | undefined,
  range: LrRangeResult,
  steps: number,
): Promise<CheckResult> {
  const title = 'Learning rate is sensible';
  const suggestion = `The LR range test suggests ${fmt(range.suggested, 2)} (loss lowest at ${fmt(range.lrAtMinimum, 2)}).`;
  if (plannedLr === undefined) {
    return result('learning-rate', title, 'pass', suggestion, '', { ...range });
  }
  const n = Math.min(32, ctx.sample.labels.length);
  const xs = tf.slice(ctx.sample.xs, 0, n);
  const labels = ctx.sample.labels.slice(0, n);
  const make = (lr: number) => (optimizerName === 'adam' ? tf.train.adam(lr) : tf.train.momentum(lr, 0.9));
  const finalLoss = async (lr: number) => {
    const optimizer = make(lr);
    const { copy } = await trainCopy(ctx.model, xs, labels, ctx.numClasses, steps, optimizer);
    const loss = crossEntropy(copy, xs, labels, ctx.numClasses);
    copy.dispose();
    disposeOptimizer(optimizer);
    return loss;
  };
  const atPlanned = await finalLoss(plannedLr);
  const atTenth = await finalLoss(plannedLr / 10);
  xs.dispose();
  const details = { ...range, plannedLr, lossAtPlanned: atPlanned, lossAtTenth: atTenth, steps };
  const compare = `After ${steps} ${optimizerName} steps the loss is ${fmt(atPlanned)} at lr ${fmt(plannedLr, 2)} and ${fmt(atTenth)} at lr ${fmt(plannedLr / 10, 2)}.`;
  if (!Number.isFinite(atPlanned) || atPlanned > 1.5 * atTenth + 0.05) {
    return result(
      'learning-rate',
      title,
      'fail',
      `Learning rate ${fmt(plannedLr, 2)} is too high. ${compare} ${suggestion}`,
      `Use about ${fmt(Math.min(plannedLr / 10, range.suggested * 3), 2)} (or the suggested rate), and reduce it on plateau.`,
      details,
    );
  }
  if (plannedLr > range.lrAtMinimum) {
    return result(
      'learning-rate',
      title,
      'warn',
      `Learning rate ${fmt(plannedLr, 2)} is above where the range-test loss bottoms out. ${compare} ${suggestion}`,
      'Try the suggested rate.',
      details,
    );
  }
  return result('learning-rate', title, 'pass', `${compare} ${suggestion}`, '', details);
}
