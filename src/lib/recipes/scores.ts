/**
 * A run's scores on its own cache (`scores.json` in the run folder): what `actlab train`
 * measured on test and swapped, and what `actlab eval` measured since, so that
 * `actlab runs` can compare runs without evaluating them again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../util/atomic-write';

export const SCORES_FILE = 'scores.json';

export interface SplitScoreRecord {
  /** Top-1 over the split's samples (clips; a frame model's middle frames). */
  readonly top1: number;
  /** The 95% Wilson interval of top1. */
  readonly ci: readonly [number, number];
  readonly samples: number;
  /** When it was measured (ISO time). */
  readonly at: string;
}

export type RunScores = Readonly<Partial<Record<string, SplitScoreRecord>>>;

/** The scores recorded in `run`, or {} when none are (or the file is unreadable: scores are a cache of eval). */
export function readScores(run: string): RunScores {
  try {
    return JSON.parse(fs.readFileSync(path.join(run, SCORES_FILE), 'utf8')) as RunScores;
  } catch {
    return {};
  }
}

/** Records `split`'s score in `run`, keeping the other splits'. */
export function recordScore(
  run: string,
  split: string,
  score: { readonly top1: number; readonly top1Ci: readonly [number, number]; readonly samples: number },
): void {
  const scores = {
    ...readScores(run),
    [split]: { top1: score.top1, ci: score.top1Ci, samples: score.samples, at: new Date().toISOString() },
  };
  writeFileAtomic(path.join(run, SCORES_FILE), `${JSON.stringify(scores, null, 1)}\n`);
}
