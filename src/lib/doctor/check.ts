/** The shape of a doctor check: its id, status, plain-language verdict and advice. */
import type * as tf from '@tensorflow/tfjs';

import type { Sample } from './samples';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export const CHECK_IDS = [
  'input-stats',
  'frames-differ',
  'label-balance',
  'initial-loss',
  'nan-dead-relu',
  'overfit-one-batch',
  'label-shuffle-control',
  'learning-rate',
  'label-map',
  'leakage',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  readonly id: CheckId;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found, in one or two sentences with the numbers. */
  readonly verdict: string;
  /** What to do about it (empty when it passed). */
  readonly advice: string;
  /** The measured numbers. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** What the checks share. */
export interface CheckContext {
  readonly model: tf.LayersModel;
  readonly sample: Sample;
  readonly numClasses: number;
  readonly seed: number;
  /** Whether the model looks untrained (see `looksFresh`). */
  readonly fresh: boolean;
  /** Stops the training checks at their next step (diagnose's signal or Kernel > Interrupt). */
  readonly signal?: AbortSignal;
}

/** A number with `digits` significant digits, for verdicts. */
export const fmt = (x: number, digits = 3) =>
  Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x);

/** A measured fraction as a whole percentage for verdicts: 0.5625 → "56%". */
export const pct = (x: number) => `${Math.round(x * 100)}%`;

/** Chance accuracy with `numClasses` classes, 1/C, for verdicts: "chance 12.5%". */
export const chance = (numClasses: number) => `chance ${fmt(100 / numClasses)}%`;

/** Builds a result; advice is dropped when the check passed. */
export function result(
  id: CheckId,
  title: string,
  status: CheckStatus,
  verdict: string,
  advice: string,
  details: Record<string, unknown> = {},
): CheckResult {
  return { id, title, status, verdict, advice: status === 'pass' ? '' : advice, details };
}
