/** Optimizer presets from the write-ups, and changing a tfjs optimizer's learning rate mid-run. */
import * as tf from '@tensorflow/tfjs';

export interface OptimizerSpec {
  readonly name: 'adam' | 'sgd';
  /** Starting learning rate. */
  readonly learningRate: number;
  /** SGD only: momentum (0 = plain SGD). @default 0 */
  readonly momentum?: number;
  /**
   * Time-based decay per step, Keras style: lr / (1 + decay · step). Applied
   * by {@link train} as its default schedule when this preset is used. @default 0
   */
  readonly decay?: number;
  /** Learning rates to step down to when the validation loss plateaus (see `train`'s reduceOnPlateau). */
  readonly plateauLadder?: readonly number[];
}

/** The write-ups' settings: Adam 1e-4 → 5e-5 → 1e-5 on plateau; SGD 0.1, decay 0.001, momentum 0.9. */
export const OPTIMIZER_PRESETS: Readonly<Record<'adam' | 'sgd', OptimizerSpec>> = {
  adam: { name: 'adam', learningRate: 1e-4, plateauLadder: [5e-5, 1e-5] },
  sgd: { name: 'sgd', learningRate: 0.1, momentum: 0.9, decay: 1e-3 },
};

/** A preset name or a full spec → the spec. */
export function resolveOptimizer(optimizer: 'adam' | 'sgd' | OptimizerSpec): OptimizerSpec {
  const spec = typeof optimizer === 'string' ? OPTIMIZER_PRESETS[optimizer] : optimizer;
  if (!spec) throw new Error(`optimizer must be 'adam', 'sgd' or an OptimizerSpec; got ${String(optimizer)}`);
  if (!(spec.learningRate > 0)) throw new Error(`optimizer learningRate must be > 0; got ${spec.learningRate}`);
  return spec;
}

/** A new tfjs optimizer for `spec`. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (spec.name === 'adam') return tf.train.adam(spec.learningRate);
  const momentum = spec.momentum ?? 0;
  return momentum > 0 ? tf.train.momentum(spec.learningRate, momentum) : tf.train.sgd(spec.learningRate);
}

/**
 * Sets the learning rate of a tfjs Adam/SGD/Momentum optimizer. SGD-family
 * optimizers cache it as a tensor (`setLearningRate`); Adam reads its
 * (protected) field every step, so writing the field is enough.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(learningRate);
  else o.learningRate = learningRate;
}

/** The learning rate an optimizer will use next. */
export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/**
 * Disposes an optimizer's state. tfjs's MomentumOptimizer.dispose forgets the
 * learning-rate scalar its SGD base keeps, one leaked tensor per optimizer.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer instanceof tf.MomentumOptimizer) {
    const c = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}
