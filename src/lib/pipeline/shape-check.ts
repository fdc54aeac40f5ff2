/**
 * Checks, before the first step, that a model takes what the pipeline makes,
 * and says what to change when it does not: the fix for "dimension mismatch".
 */

/** The part of a `tf.LayersModel` the check reads. */
export interface ModelShapes {
  readonly inputs: ReadonlyArray<{ readonly shape: ReadonlyArray<number | null> }>;
  readonly outputs: ReadonlyArray<{ readonly shape: ReadonlyArray<number | null> }>;
}

export interface ShapeCheckOptions {
  /** Classes the labels have; checked against the model's last output axis. */
  readonly numClasses?: number;
}

/** The model and the data disagree on a shape; the message has both shapes and the fix. */
export class ShapeMismatchError extends Error {
  override name = 'ShapeMismatchError';
}

/**
 * Throws {@link ShapeMismatchError} unless `model`'s first input takes samples
 * of `sampleShape` (no batch axis: clips `[T,H,W,C]` or frames `[H,W,C]`) and,
 * when `numClasses` is given, its output has that many classes. Null model
 * dimensions match anything.
 */
export function checkInputShape(
  model: ModelShapes,
  sampleShape: readonly number[],
  options: ShapeCheckOptions = {},
): void {
  const input = model.inputs[0];
  if (!input) throw new ShapeMismatchError('the model has no inputs');
  const expected = input.shape.slice(1);
  const actual = [...sampleShape];
  const name = (rank: number): string => (rank === 4 ? 'clips' : rank === 3 ? 'frames' : `rank-${rank} samples`);
  const axes = (rank: number): string => (rank === 4 ? '[T,H,W,C]' : rank === 3 ? '[H,W,C]' : '');
  const show = (shape: ReadonlyArray<number | null>): string => `[${shape.map((d) => d ?? '?').join(',')}]`;
  if (expected.length !== actual.length) {
    const fix =
      expected.length === 3
        ? `use layout 'frame' or 'frames' for a 2D CNN, or build a 3D CNN with inputShape ${show(actual)}`
        : expected.length === 4
          ? `use layout 'clip' for a 3D CNN, or build a 2D CNN with inputShape ${show(actual)}`
          : `build the model with inputShape ${show(actual)}`;
    throw new ShapeMismatchError(
      `model expects ${name(expected.length)} ${axes(expected.length)}=${show(expected)} ` +
        `but the pipeline gives ${name(actual.length)} ${axes(actual.length)}=${show(actual)}: ${fix}`,
    );
  }
  if (expected.some((d, i) => d !== null && d !== actual[i])) {
    const rank = actual.length;
    const [t, h, w, c] = rank === 4 ? expected : [null, ...expected];
    const [at, ah, aw, ac] = rank === 4 ? actual : [null, ...actual];
    const flags: string[] = [];
    if (t != null && t !== at) flags.push(`--frames ${t}`);
    if ((h != null && h !== ah) || (w != null && w !== aw)) flags.push(`--size ${w ?? aw}x${h ?? ah}`);
    if (c != null && c !== ac) flags.push(c === 1 ? '--gray' : 'without --gray');
    throw new ShapeMismatchError(
      `model expects ${axes(rank)}=${show(expected)} but ${name(rank)} are ${show(actual)}: ` +
        `extract with ${flags.join(' ')} or build the model with inputShape ${show(actual)}`,
    );
  }
  const output = model.outputs[0]?.shape;
  const units = output?.[output.length - 1];
  if (options.numClasses !== undefined && units != null && units !== options.numClasses) {
    throw new ShapeMismatchError(
      `model outputs ${units} classes but the data has ${options.numClasses}: ` +
        `build the model with ${options.numClasses} output units (numClasses ${options.numClasses})`,
    );
  }
}
