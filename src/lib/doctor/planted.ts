/**
 * The classic bugs behind "my model learned nothing", planted on purpose
 * into a stream of `{xs, ys}` batches, so that each of the doctor's checks
 * can be seen catching the bug it is meant for (chapter 10, and the tests).
 */
import * as tf from '@tensorflow/tfjs';

import { createRng } from '../util/random';

export type PlantedBug =
  /** Pixels arrive as 0–255: the normalisation undone and the division by 255 skipped. */
  | 'unscaled'
  /** Every frame of a clip is its middle frame: a decoder that returns one frame again and again. */
  | 'identical-frames'
  /** Each batch's labels are shuffled among its clips: labels no longer belong to their inputs. */
  | 'shuffled-labels'
  /** Label l is written as l + 1 (mod C): a class index file read off by one. */
  | 'labels-off-by-one';

export const PLANTED_BUGS: readonly PlantedBug[] = [
  'unscaled',
  'identical-frames',
  'shuffled-labels',
  'labels-off-by-one',
];

export interface PlantOptions {
  /** The normalisation the batches carry (`'unscaled'` undoes it). @default mean 0, std 1 */
  readonly normalization?: { readonly mean: number | readonly number[]; readonly std: number | readonly number[] };
  /** Seeds the label shuffle. @default 7 */
  readonly seed?: number;
}

type Batch = { xs: tf.Tensor; ys: tf.Tensor };

/** `data` with `bug` planted in every batch; one-hot labels `[B, C]`, clips `[B, T, H, W, C]` (or frames `[B, H, W, C]`). */
export function plantBug(
  data: tf.data.Dataset<Batch>,
  bug: PlantedBug,
  options: PlantOptions = {},
): tf.data.Dataset<Batch> {
  if (!PLANTED_BUGS.includes(bug)) throw new Error(`unknown bug "${bug}"; choose from ${PLANTED_BUGS.join(', ')}`);
  const rng = createRng(options.seed ?? 7);
  const mean = options.normalization?.mean ?? 0;
  const std = options.normalization?.std ?? 1;
  return data.map(({ xs, ys }) =>
    tf.tidy(() => {
      switch (bug) {
        case 'unscaled':
          return { xs: tf.mul(tf.add(tf.mul(xs, tf.tensor(std as number[])), tf.tensor(mean as number[])), 255), ys };
        case 'identical-frames': {
          if (xs.rank !== 5) throw new Error(`identical-frames needs clips [B,T,H,W,C], got [${xs.shape}]`);
          const frames = xs.shape[1]!;
          const middle = tf.slice(xs, [0, Math.floor(frames / 2)], [-1, 1]);
          return { xs: tf.tile(middle, [1, frames, 1, 1, 1]), ys };
        }
        case 'shuffled-labels': {
          const order = rng.shuffle(Array.from({ length: ys.shape[0]! }, (_, i) => i));
          return { xs, ys: tf.gather(ys, order) };
        }
        case 'labels-off-by-one': {
          const classes = ys.shape[1]!;
          // Column l moves to l + 1: the one-hot of label l becomes that of l + 1 (mod C).
          return {
            xs,
            ys: tf.concat([tf.slice(ys, [0, classes - 1], [-1, 1]), tf.slice(ys, [0, 0], [-1, classes - 1])], 1),
          };
        }
      }
    }),
  ) as tf.data.Dataset<Batch>;
}
