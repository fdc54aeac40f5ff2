/**
 * The scan as a danfojs DataFrame, for notebooks (`df.head().print()`,
 * `df.groupby(['label'])`). danfojs loads TensorFlow.js, so it is required lazily.
 */
import { reapplyKernelPacks } from '../kernels';
import type { ItemRow } from './scan';

let danfo: typeof import('danfojs-node') | undefined;

/**
 * danfojs bundles its own TensorFlow.js copy. Loading it re-registers every
 * stock kernel in the registry all copies share, printing one warning per
 * kernel and overwriting actlab's kernel packs: hush the warnings, re-apply the packs.
 */
function loadDanfo(): typeof import('danfojs-node') {
  if (danfo) return danfo;
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    danfo = require('danfojs-node') as typeof import('danfojs-node');
  } finally {
    console.warn = warn;
  }
  reapplyKernelPacks();
  return danfo;
}

/** Columns: path, label, group, split, frames, fps, width, height, duration_s, codec, bytes, error. */
export function itemsDataFrame(rows: readonly ItemRow[]): import('danfojs-node').DataFrame {
  const dfd = loadDanfo();
  const columns = [
    'path',
    'label',
    'group',
    'split',
    'frames',
    'fps',
    'width',
    'height',
    'duration_s',
    'codec',
    'bytes',
    'error',
  ] as const;
  // danfojs infers a column's dtype from its values: give missing numbers NaN, missing strings ''.
  const records = rows.map((row) =>
    Object.fromEntries(
      columns.map((c) => {
        const value = row[c];
        const numeric =
          c === 'frames' || c === 'fps' || c === 'width' || c === 'height' || c === 'duration_s' || c === 'bytes';
        return [c, value ?? (numeric ? NaN : '')];
      }),
    ),
  );
  return new dfd.DataFrame(records, { columns: [...columns] });
}
