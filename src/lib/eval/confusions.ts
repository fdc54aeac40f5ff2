/** The most frequent mistakes of a confusion matrix, as data and as a sentence for notebook prose. */

export interface Confusion {
  readonly truth: string;
  readonly predicted: string;
  /** Clips of `truth` predicted as `predicted`. */
  readonly count: number;
  /** Clips of `truth` in all. */
  readonly support: number;
}

/**
 * The `k` largest off-diagonal cells of `confusion` (rows true class,
 * columns predicted), largest first; ties keep row-major order.
 */
export function topConfusions(
  confusion: ReadonlyArray<readonly number[]>,
  classNames: readonly string[],
  k = 3,
): Confusion[] {
  const cells: Confusion[] = [];
  confusion.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      if (p !== t && count > 0) {
        cells.push({ truth: classNames[t] ?? `class ${t}`, predicted: classNames[p] ?? `class ${p}`, count, support });
      }
    });
  });
  return cells.sort((a, b) => b.count - a.count).slice(0, k);
}

/**
 * One sentence naming the most frequent mistakes, e.g. "the most frequent
 * mistakes: rotate_ccw taken for rotate_cw (3 of 12), …", or that there were none.
 */
export function describeConfusions(
  confusion: ReadonlyArray<readonly number[]>,
  classNames: readonly string[],
  k = 3,
): string {
  const top = topConfusions(confusion, classNames, k);
  if (top.length === 0) return 'no mistakes: every clip was predicted as its own class';
  const parts = top.map((c) => `${c.truth} taken for ${c.predicted} (${c.count} of ${c.support})`);
  return `the most frequent mistakes: ${parts.join(', ')}`;
}
