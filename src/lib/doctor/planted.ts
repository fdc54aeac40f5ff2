/**
 * The classic bugs behind "my model learned nothing", and one shortcut
 * behind "it learned the wrong thing", planted on purpose into a stream of
 * `{xs, ys}` batches, so that each of the doctor's checks can be seen
 * catching the bug it is meant for (chapter 10, and the tests).
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
  | 'labels-off-by-one'
  /**
   * A shortcut, not a crash: a small patch in the top-left corner of every
   * frame (side ⅛ of the frame's shorter side, 2 px at least: 4 px at 32×32)
   * that gives the class away, like a watermark or a channel logo that only
   * one class's videos carry. With enough channels for the class's bits (8
   * classes on RGB) it is a colour: channel c is +4 where bit c of the label
   * is set, −4 where not, in normalised units, beyond what pixels reach; else
   * (gray frames) a brightness, −2 + 4·label/(K−1) on every channel. A model
   * trained with it reads the patch instead of the action; the shortcut
   * checks (`checkShortcuts`) catch it, since hiding the person, shuffling or
   * freezing the frames leaves the patch in place.
   */
  | 'class-marker';

export const PLANTED_BUGS: readonly PlantedBug[] = [
  'unscaled',
  'identical-frames',
  'shuffled-labels',
  'labels-off-by-one',
  'class-marker',
];

/** Side in pixels of the class-marker patch on `height`×`width` frames. */
export function markerSide(height: number, width: number): number {
  return Math.min(height, width, Math.max(2, Math.round(Math.min(height, width) / 8)));
}

export interface PlantOptions {
  /** The normalisation the batches carry (`'unscaled'` undoes it). @default mean 0, std 1 */
  readonly normalization?: { readonly mean: number | readonly number[]; readonly std: number | readonly number[] };
  /** Seeds the label shuffle. @default 7 */
  readonly seed?: number;
}

export type Batch = { xs: tf.Tensor; ys: tf.Tensor };

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
        case 'class-marker':
          return { xs: withClassMarker(xs, ys), ys };
      }
    }),
  ) as tf.data.Dataset<Batch>;
}

/** `xs` (`[B,T,H,W,C]` or `[B,H,W,C]`, normalised) with each sample's class written into its top-left patch. */
function withClassMarker(xs: tf.Tensor, ys: tf.Tensor): tf.Tensor {
  if (xs.rank !== 5 && xs.rank !== 4) throw new Error(`class-marker needs [B,T,H,W,C] or [B,H,W,C], got [${xs.shape}]`);
  const [height, width, channels] = xs.shape.slice(-3) as [number, number, number];
  const side = markerSide(height, width);
  const classes = ys.shape[1]!;
  const bits = Math.max(1, Math.ceil(Math.log2(classes)));
  const label = tf.expandDims(tf.cast(tf.argMax(ys, 1), 'float32'), 1);
  // A colour (one bit per channel, ±4: a conv filter finds it at once) where the channels hold the label's
  // bits; a brightness otherwise. Both stand out of normalised pixels, which mostly stay within ±2.5.
  const powers = tf.tensor2d([Array.from({ length: channels }, (_, c) => 2 ** c)]);
  const value =
    channels >= bits && classes > 1
      ? tf.sub(tf.mul(tf.mod(tf.floor(tf.div(label, powers)), 2), 8), 4)
      : tf.tile(tf.sub(tf.mul(label, 4 / Math.max(1, classes - 1)), 2), [1, channels]);
  const perSample = tf.reshape(value, [xs.shape[0]!, ...Array<number>(xs.rank - 2).fill(1), channels]);
  const patch = tf.pad(tf.ones([side, side, 1]), [
    [0, height - side],
    [0, width - side],
    [0, 0],
  ]);
  return tf.add(tf.mul(xs, tf.sub(1, patch)), tf.mul(perSample, patch));
}
