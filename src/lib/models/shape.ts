/** Input-shape validation shared by the model builders: errors say expected vs actual and the fix. */
import * as tf from '@tensorflow/tfjs';

import { requireWholeNumber } from '../util/validate';

/** Which layout a builder takes (without the batch axis). */
export type InputLayout = 'clip' | 'frame';

const LAYOUTS: Record<InputLayout, { readonly axes: string; readonly example: string }> = {
  clip: { axes: '[T,H,W,C]', example: '[16, 32, 32, 1] for 16 gray frames of 32×32' },
  frame: { axes: '[H,W,C]', example: '[32, 32, 3] for one RGB frame of 32×32' },
};

/**
 * Checks `shape` (no batch axis) against a layout and per-axis minimums and
 * returns it as a plain number array. Throws, e.g.:
 * `c3d: inputShape must be [T,H,W,C] (4 positive integers, no batch axis); got [32,32,1]. Fix: pass inputShape like [16, 32, 32, 1] for 16 gray frames of 32×32.`
 */
export function validateInputShape(
  builder: string,
  shape: readonly number[],
  layout: InputLayout,
  minimum: readonly number[] = [],
): number[] {
  const { axes, example } = LAYOUTS[layout];
  const rank = layout === 'clip' ? 4 : 3;
  const got = `[${shape.join(',')}]`;
  if (shape.length !== rank || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    const hint = shape.length === rank + 1 ? ' It looks like it includes the batch axis: drop the first number.' : '';
    throw new Error(
      `${builder}: inputShape must be ${axes} (${rank} positive integers, no batch axis); got ${got}.${hint} Fix: pass inputShape like ${example}.`,
    );
  }
  const names = axes.slice(1, -1).split(',');
  shape.forEach((d, i) => {
    const min = minimum[i] ?? 1;
    if (d < min) {
      throw new Error(
        `${builder}: inputShape ${axes} = ${got} is too small: ${names[i]} must be at least ${min} for this depth (it is halved by each pooling stage); got ${d}. Fix: use larger clips or fewer stages.`,
      );
    }
  });
  return [...shape];
}

/** Checks that `value` is a positive integer (class count, filters, ...). */
export function checkPositiveInt(builder: string, name: string, value: number): number {
  return requireWholeNumber(`${builder}: ${name}`, value);
}

/** Checks a rate in [0, 1) (dropout). */
export function checkRate(builder: string, name: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new Error(`${builder}: ${name} must be in [0, 1); got ${value}`);
  return value;
}

/** Models whose weights were learned elsewhere (loaded, or built on a loaded backbone): see {@link markPretrained}. */
const pretrained = new WeakSet<tf.LayersModel>();

/**
 * Marks `model` as carrying learned weights, so that `train`'s `seed`, which
 * re-initialises every trainable kernel, refuses instead of silently wiping
 * them. Loading a model and `withNewHead` mark theirs.
 */
export function markPretrained(model: tf.LayersModel): tf.LayersModel {
  pretrained.add(model);
  return model;
}

/** Whether {@link markPretrained} marked `model`. */
export function isPretrained(model: tf.LayersModel): boolean {
  return pretrained.has(model);
}

/**
 * Re-initialises every random weight (rank ≥ 2: conv and dense kernels) from
 * `seed` with He-normal values (std √(2/fanIn), truncated), so a seed reproduces
 * the starting point of a run; tfjs has no global seed. Biases and batch-norm
 * weights are deterministic already and are left alone.
 */
export function seedWeights(model: tf.LayersModel, seed: number): void {
  model.weights.forEach((weight, i) => {
    const shape = weight.shape as number[];
    if (shape.length < 2 || !weight.trainable) return;
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const value = tf.truncatedNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed * 1000 + i);
    weight.write(value);
    value.dispose();
  });
}
