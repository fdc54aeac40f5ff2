/**
 * Labels as models take them (one-hot or sparse class indices), and which
 * labels a horizontal flip turns into which (move_left ↔ move_right).
 */

import * as tf from '@tensorflow/tfjs';

/** `onehot`: ys `[B,K]` float32 for categoricalCrossentropy; `sparse`: ys `[B]` float32 class indices for sparseCategoricalCrossentropy. */
export type LabelEncoding = 'onehot' | 'sparse';

/**
 * Whether labels `ys` are class indices (`[B]`, or `[B,1]` for a model of
 * more than one class) rather than one-hot rows `[B,K]`.
 */
export function labelsAreSparse(ys: Pick<tf.Tensor, 'rank' | 'shape'>, numClasses?: number): boolean {
  return ys.rank === 1 || (ys.rank === 2 && ys.shape[1] === 1 && numClasses !== 1);
}

/** The class index of each sample, from one-hot `[B,K]` or sparse `[B]`/`[B,1]` labels. */
export function classIndices(ys: tf.Tensor): number[] {
  return tf.tidy(() =>
    Array.from((labelsAreSparse(ys) ? tf.reshape(ys, [-1]) : tf.argMax(ys, -1)).dataSync(), Math.round),
  );
}

/** Flat `[labels.length * numClasses]` float32 one-hot rows (the data of a `[B,K]` tensor). */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) {
      throw new RangeError(`label ${label} is not a class index in [0, ${numClasses})`);
    }
    out[i * numClasses + label] = 1;
  }
  return out;
}

/** Words that a horizontal flip turns into each other inside a class name. */
const MIRROR_WORDS: Readonly<Record<string, string>> = {
  left: 'right',
  right: 'left',
  cw: 'ccw',
  ccw: 'cw',
  clockwise: 'counterclockwise',
  counterclockwise: 'clockwise',
  leftward: 'rightward',
  rightward: 'leftward',
};

/**
 * Class renames a horizontal flip implies, found from the names: words
 * left/right, cw/ccw, clockwise/counterclockwise between `_`, `-` or spaces.
 * `move_left` → `move_right`, `rotate_cw` → `rotate_ccw` (a mirrored clockwise
 * turn is counter-clockwise). Throws when a class has a mirror word but its
 * mirror is not a class, since flipping it would make a clip no label fits.
 */
export function flipLabelSwaps(classes: readonly string[]): Record<string, string> {
  const known = new Set(classes);
  const swaps: Record<string, string> = {};
  for (const name of classes) {
    const words = name.split(/([_\- ]+)/);
    if (!words.some((w) => MIRROR_WORDS[w.toLowerCase()])) continue;
    const mirrored = words.map((w) => mirrorWord(w)).join('');
    if (!known.has(mirrored)) {
      throw new Error(
        `class "${name}" changes meaning under a horizontal flip but "${mirrored}" is not a class: ` +
          `set augment.flip to 0, or pass flipLabels with the class it becomes`,
      );
    }
    swaps[name] = mirrored;
  }
  return swaps;
}

function mirrorWord(word: string): string {
  const mirror = MIRROR_WORDS[word.toLowerCase()];
  if (!mirror) return word;
  if (word === word.toUpperCase()) return mirror.toUpperCase();
  if (word[0] === word[0]?.toUpperCase()) return mirror[0]?.toUpperCase() + mirror.slice(1);
  return mirror;
}

/** `swaps` as class indices: `table[i]` is the class clip of class i becomes when flipped. */
export function flipIndexTable(classes: readonly string[], swaps: Readonly<Record<string, string>>): Int32Array {
  const index = new Map(classes.map((name, i) => [name, i]));
  const table = Int32Array.from(classes, (_, i) => i);
  for (const [from, to] of Object.entries(swaps)) {
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined) {
      throw new Error(`flipLabels maps "${from}" to "${to}" but both must be classes (${classes.join(', ')})`);
    }
    table[a] = b;
  }
  return table;
}
