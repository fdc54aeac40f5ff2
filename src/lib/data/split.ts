/**
 * Group-aware, class-stratified, seeded train/val/test assignment: whole
 * groups go to one split, and each split gets close to its share of every class.
 */
import { createRng } from '../util/random';
import { type Split, SPLITS, type StandardSplit, type VideoItem } from './types';

export interface SplitOptions {
  /** Fractions of items per split; they are normalised to sum to 1. @default { train: 0.7, val: 0.15, test: 0.15 } */
  readonly fractions?: Readonly<Partial<Record<StandardSplit, number>>>;
  /** Seed for the group order. @default 0 */
  readonly seed?: number | string;
  /** Keep the split an item already has (e.g. UCF101's official test list). @default false */
  readonly keepExisting?: boolean;
}

/**
 * Returns `items` with `split` set. Greedy: groups in seeded random order, the
 * largest first, each to the split whose per-class counts are furthest below
 * target. Every group lands in exactly one split.
 */
export function splitByGroup<T extends VideoItem>(items: readonly T[], options: SplitOptions = {}): T[] {
  const fractions = normaliseFractions(options.fractions ?? { train: 0.7, val: 0.15, test: 0.15 });
  const rng = createRng(options.seed ?? 0);
  const groups = new Map<string, T[]>();
  for (const item of items) {
    if (options.keepExisting && item.split) continue;
    const list = groups.get(item.group) ?? [];
    list.push(item);
    groups.set(item.group, list);
  }
  const classTotals = new Map<string, number>();
  for (const list of groups.values()) {
    for (const item of list) classTotals.set(item.label, (classTotals.get(item.label) ?? 0) + 1);
  }
  const counts = new Map<string, number>(); // `${split}\0${label}` → items assigned
  const order = rng
    .shuffle([...groups.keys()].sort())
    .sort((a, b) => (groups.get(b)?.length ?? 0) - (groups.get(a)?.length ?? 0));
  const assigned = new Map<string, StandardSplit>();
  const active = SPLITS.filter((s) => fractions[s] > 0);
  for (const [n, group] of order.entries()) {
    const members = groups.get(group) ?? [];
    // The first groups seed each non-empty split, so small datasets still get all three.
    let best: StandardSplit = active[n % active.length] as StandardSplit;
    if (n >= active.length) {
      let bestScore = -Infinity;
      for (const split of active) {
        let score = 0;
        for (const item of members) {
          const target = fractions[split] * (classTotals.get(item.label) ?? 0);
          score += (target - (counts.get(`${split}\0${item.label}`) ?? 0)) / Math.max(target, 1e-9);
        }
        if (score > bestScore) [best, bestScore] = [split, score];
      }
    }
    assigned.set(group, best);
    for (const item of members) counts.set(`${best}\0${item.label}`, (counts.get(`${best}\0${item.label}`) ?? 0) + 1);
  }
  return items.map((item) =>
    options.keepExisting && item.split ? item : { ...item, split: assigned.get(item.group) as Split },
  );
}

function normaliseFractions(input: Readonly<Partial<Record<StandardSplit, number>>>): Record<StandardSplit, number> {
  const raw = { train: input.train ?? 0, val: input.val ?? 0, test: input.test ?? 0 };
  const total = raw.train + raw.val + raw.test;
  if (!(total > 0) || Object.values(raw).some((v) => !(v >= 0))) {
    throw new Error(`split fractions must be non-negative and not all zero, got ${JSON.stringify(input)}`);
  }
  return { train: raw.train / total, val: raw.val / total, test: raw.test / total };
}

/**
 * A dataset whose layout ships train and test lists only (UCF101, HMDB51)
 * gets a validation split carved from its training groups, so that tuning
 * never looks at the test list. Items that already have a val split, or
 * none of train/test, are left as they are; a dataset with val items is
 * returned unchanged.
 */
export function withValidationSplit<T extends VideoItem>(
  items: readonly T[],
  options: { readonly fraction?: number; readonly seed?: number | string } = {},
): T[] {
  const fraction = options.fraction ?? 0.15;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`validation fraction must be between 0 and 1, got ${fraction}`);
  if (items.some((item) => item.split === 'val')) return items.slice();
  const training = items.filter((item) => item.split === 'train');
  if (training.length === 0) return items.slice();
  const carved = new Map(
    splitByGroup(training, { fractions: { train: 1 - fraction, val: fraction }, seed: options.seed }).map((item) => [
      item.path,
      item,
    ]),
  );
  return items.map((item) => carved.get(item.path) ?? item);
}
