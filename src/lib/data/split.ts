/**
 * Group-aware, class-stratified, seeded train/val/test assignment: whole
 * groups go to one split, and each split gets close to its share of every class.
 */
import * as path from 'node:path';

import { createRng } from '../util/random';
import { DatasetError, type Split, SPLITS, type StandardSplit, type VideoDataset, type VideoItem } from './types';

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

export interface PlanSplitsOptions {
  /** Share of each class for validation; 0 leaves the split out. @default 0.15 */
  readonly val?: number;
  /** Share of each class for test; 0 leaves the split out. @default 0.15 */
  readonly test?: number;
  /** Seed of the assignment. @default 0 */
  readonly seed?: number;
  /**
   * A regular expression over file names whose first capture group (else the whole
   * match) names the group: clips of one group never land in two splits.
   * @default UCF101's `_gNN_` where every name carries one, else each file on its own
   */
  readonly groupBy?: string;
}

/** A dataset that cannot be split as asked (one class, a class with too few items): extracting it still works. */
export class UnsplittableError extends DatasetError {
  override name = 'UnsplittableError';
}

export interface PlannedSplits {
  readonly dataset: VideoDataset;
  /** One line for the user when the plan has a caveat (files split one by one), else undefined. */
  readonly note?: string;
}

/** UCF101's group in a file name: `v_ApplyEyeMakeup_g08_c01.avi` → `g08`. */
const UCF_GROUP = /_g(\d+)_/i;

/**
 * Splits a dataset as training needs it. A plain folder (no item has a split) gets
 * a seeded, class-stratified train/val/test split, grouped by `groupBy`, by
 * UCF101-style names, or else file by file (with a note saying so); a layout that
 * ships train and test lists only gets val carved from its training groups.
 * Throws an UnsplittableError naming the fix for one class or a class with too few
 * items (or groups) for the asked splits, and a DatasetError for shares that leave
 * nothing to train on or a `groupBy` that does not match a name.
 */
export function planSplits(dataset: VideoDataset, options: PlanSplitsOptions = {}): PlannedSplits {
  const val = checkShare('val', options.val ?? 0.15);
  const test = checkShare('test', options.test ?? 0.15);
  if (val + test >= 1) {
    throw new DatasetError(`--val ${val} and --test ${test} leave nothing to train on: keep their sum below 1`);
  }
  if (dataset.classes.length < 2) {
    throw new UnsplittableError(
      `${dataset.root} has one class (${dataset.classes[0] ?? 'none'}): a classifier needs two or more; ` +
        `add a folder per class (${dataset.root}/<class>/...)`,
    );
  }
  if (dataset.items.some((item) => item.split)) {
    const items = val > 0 ? withValidationSplit(dataset.items, { fraction: val, seed: options.seed }) : dataset.items;
    return { dataset: { ...dataset, items: items.slice() } };
  }
  const { items: grouped, note } = groupItems(dataset, options.groupBy);
  const active = SPLITS.filter((split) => ({ train: 1, val, test })[split] > 0);
  requireEnoughGroups(dataset, grouped, active);
  const items = splitByGroup(grouped, { fractions: { train: 1 - val - test, val, test }, seed: options.seed ?? 0 });
  for (const label of dataset.classes) {
    const missing = active.filter((split) => !items.some((item) => item.label === label && item.split === split));
    if (missing.length > 0) {
      const count = items.filter((item) => item.label === label).length;
      throw new UnsplittableError(
        `class "${label}" got no ${missing.join(' or ')} items from the grouped split (${count} items in ` +
          `${groupCount(grouped, label)} groups): add items to ${path.join(dataset.root, label)}, or lower --val/--test`,
      );
    }
  }
  return { dataset: { ...dataset, items }, ...(note ? { note } : {}) };
}

function checkShare(name: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new DatasetError(`--${name} must be a share from 0 to below 1, got ${value}`);
  return value;
}

function groupItems(dataset: VideoDataset, groupBy: string | undefined): { items: VideoItem[]; note?: string } {
  const name = (item: VideoItem) => path.basename(item.path);
  if (groupBy !== undefined) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(groupBy);
    } catch (error) {
      throw new DatasetError(`--group-by ${groupBy} is not a regular expression: ${(error as Error).message}`);
    }
    return {
      items: dataset.items.map((item) => {
        const match = pattern.exec(name(item));
        if (!match) {
          throw new DatasetError(
            `${item.path}: --group-by ${groupBy} does not match its name; fix the expression or the file name`,
          );
        }
        return { ...item, group: match[1] ?? match[0] };
      }),
    };
  }
  if (dataset.items.every((item) => UCF_GROUP.test(name(item)))) {
    return { items: dataset.items.map((item) => ({ ...item, group: `g${Number(UCF_GROUP.exec(name(item))![1])}` })) };
  }
  return {
    items: dataset.items.map((item) => ({ ...item, group: path.relative(dataset.root, item.path) })),
    note:
      `${dataset.root}: the file names carry no group (as UCF101's _g08_), so files are split one by one and clips ` +
      'of one source (one person, one recording) could land in two splits; name them with _gNN_ or pass ' +
      '--group-by REGEX (its first capture group names the group)',
  };
}

function groupCount(items: readonly VideoItem[], label: string): number {
  return new Set(items.filter((item) => item.label === label).map((item) => item.group)).size;
}

function requireEnoughGroups(dataset: VideoDataset, items: readonly VideoItem[], active: readonly string[]): void {
  for (const label of dataset.classes) {
    const count = items.filter((item) => item.label === label).length;
    const groups = groupCount(items, label);
    if (groups >= active.length) continue;
    const what = groups === count ? `${count} item${count === 1 ? '' : 's'}` : `${count} items in ${groups} groups`;
    throw new UnsplittableError(
      `class "${label}" has ${what}; splits ${active.join(', ')} need at least ${active.length}: add items to ` +
        `${path.join(dataset.root, label)}, or lower --val/--test (0 leaves that split out)`,
    );
  }
}
