/** Summaries of a scanned dataset: counts, distributions, imbalance, duplicates, unreadable files. */
import type { ItemRow } from './scan';

export interface NumberSummary {
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
}

export interface DatasetSummary {
  /** Items per class (readable or not), classes sorted by name. */
  readonly classes: Record<string, number>;
  /** Items per split (`none` when the layout assigns none). */
  readonly splits: Record<string, number>;
  /** Items per split and class, classes sorted by name. */
  readonly splitClasses: Record<string, Record<string, number>>;
  readonly groups: number;
  /** Largest class count / smallest class count (1 = balanced). */
  readonly imbalanceRatio: number;
  readonly frames: NumberSummary | null;
  readonly durationSeconds: NumberSummary | null;
  readonly fps: NumberSummary | null;
  /** `WxH` → count. */
  readonly resolutions: Record<string, number>;
  readonly codecs: Record<string, number>;
  readonly totalBytes: number;
  /** Sets of paths with identical content (same SHA-256). */
  readonly duplicates: readonly (readonly string[])[];
  /** Files that could not be read, with the reason. */
  readonly unreadable: ReadonlyArray<{ readonly path: string; readonly error: string }>;
}

export function summarise(rows: readonly ItemRow[]): DatasetSummary {
  const readable = rows.filter((r) => r.error === null);
  const classes = countBy(rows, (r) => r.label);
  const counts = Object.values(classes);
  const byHash = new Map<string, string[]>();
  for (const row of readable) if (row.sha256) byHash.set(row.sha256, [...(byHash.get(row.sha256) ?? []), row.path]);
  return {
    classes: Object.fromEntries(Object.entries(classes).sort(([a], [b]) => (a < b ? -1 : 1))),
    splits: countBy(rows, (r) => r.split ?? 'none'),
    splitClasses: Object.fromEntries(
      Object.keys(countBy(rows, (r) => r.split ?? 'none')).map((split) => [
        split,
        Object.fromEntries(
          Object.entries(
            countBy(
              rows.filter((r) => (r.split ?? 'none') === split),
              (r) => r.label,
            ),
          ).sort(([a], [b]) => (a < b ? -1 : 1)),
        ),
      ]),
    ),
    groups: new Set(rows.map((r) => r.group)).size,
    imbalanceRatio: counts.length ? Math.max(...counts) / Math.min(...counts) : 1,
    frames: numbers(readable.map((r) => r.frames)),
    durationSeconds: numbers(readable.map((r) => r.duration_s)),
    fps: numbers(readable.map((r) => r.fps)),
    resolutions: countBy(readable, (r) => `${r.width}x${r.height}`),
    codecs: countBy(readable, (r) => r.codec ?? 'unknown'),
    totalBytes: rows.reduce((n, r) => n + (r.bytes ?? 0), 0),
    duplicates: [...byHash.values()].filter((paths) => paths.length > 1),
    unreadable: rows.filter((r) => r.error !== null).map((r) => ({ path: r.path, error: r.error as string })),
  };
}

function countBy<T>(rows: readonly T[], key: (row: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const row of rows) out[key(row)] = (out[key(row)] ?? 0) + 1;
  return out;
}

function numbers(values: ReadonlyArray<number | null>): NumberSummary | null {
  const list = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (!list.length) return null;
  const mid = Math.floor(list.length / 2);
  const median = list.length % 2 ? (list[mid] as number) : ((list[mid - 1] as number) + (list[mid] as number)) / 2;
  return {
    min: list[0] as number,
    median,
    mean: list.reduce((a, b) => a + b, 0) / list.length,
    max: list[list.length - 1] as number,
  };
}
