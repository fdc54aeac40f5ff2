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
}

/** A number with `digits` significant digits, for verdicts. */
export const fmt = (x: number, digits = 3) =>
  Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : String(x);

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
