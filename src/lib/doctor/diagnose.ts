/** `diagnose(model, data)`: runs the "my model learned nothing" checks and renders a verdict per check. */
import type * as tf from '@tensorflow/tfjs';

import { escapeHtml, showHtml } from '../notebook/display';
import { CHECK_IDS, type CheckContext, type CheckId, type CheckResult } from './check';
import { checkFramesDiffer, checkInputStats, checkLabelBalance, checkLeakage } from './data-checks';
import { checkLearningRate, type LrRangeResult, lrRangeTest } from './learning-rate';
import { checkInitialLoss, checkLabelShuffleControl, checkNanDeadRelu, checkOverfitOneBatch } from './model-checks';
import { gatherSample } from './samples';

export interface DiagnoseOptions {
  /** Samples read from `data` for all checks. @default 64 */
  readonly maxSamples?: number;
  /** The learning rate you plan to train with; checked against a tenth of it. @default undefined (only the range test) */
  readonly learningRate?: number;
  /** Optimizer family for the LR checks. @default 'adam' */
  readonly optimizer?: 'adam' | 'sgd';
  /** Steps of the overfit-one-batch check. @default 40 */
  readonly overfitSteps?: number;
  /** Samples in the "one small batch". @default 8 */
  readonly overfitBatch?: number;
  /** Steps of the shuffled-label control and the LR comparison. @default 40 */
  readonly controlSteps?: number;
  /** Steps of the LR range test. @default 30 */
  readonly lrRangeSteps?: number;
  /** Group id (actor, source video) of every train and validation sample, for the leakage check. @default none */
  readonly groups?: { readonly train: readonly string[]; readonly validation: readonly string[] };
  /** Run only these checks. @default all */
  readonly checks?: readonly CheckId[];
  /** Seeds the label shuffle of the control. @default 0 */
  readonly seed?: number;
  /** Called with each result as it is ready (long checks train small copies). @default none */
  readonly onCheck?: (result: CheckResult) => void;
}

export interface Diagnosis {
  readonly checks: readonly CheckResult[];
  /** True when no check failed. */
  readonly ok: boolean;
  /** The LR range test's curve (for plot.lrRangeScatter), when it ran. */
  readonly lrRange?: LrRangeResult;
}

/**
 * Runs the checks on up to `maxSamples` samples of `data` (`{xs, ys}`
 * batches: xs [B,T,H,W,C] or [B,H,W,C] float32, ys one-hot [B,C] or sparse
 * [B]). `model` must end in a softmax; it is only read, never trained
 * (training checks use copies). Pass an untrained model for the ln(C) check.
 */
export async function diagnose(
  model: tf.LayersModel,
  data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const wanted = new Set<CheckId>(options.checks ?? CHECK_IDS);
  const numClasses = model.outputs[0]!.shape[1]!;
  const sample = await gatherSample(data, options.maxSamples ?? 64);
  const ctx: CheckContext = { model, sample, numClasses, seed: options.seed ?? 0 };
  const results: CheckResult[] = [];
  const add = (r: CheckResult) => {
    results.push(r);
    options.onCheck?.(r);
  };
  let lrRange: LrRangeResult | undefined;
  const steps = options.controlSteps ?? 40;
  try {
    if (wanted.has('input-stats')) add(checkInputStats(ctx));
    if (wanted.has('frames-differ')) add(checkFramesDiffer(ctx));
    if (wanted.has('label-balance')) add(checkLabelBalance(ctx));
    if (wanted.has('initial-loss')) add(checkInitialLoss(ctx));
    if (wanted.has('nan-dead-relu')) add(checkNanDeadRelu(ctx));
    if (wanted.has('overfit-one-batch'))
      add(await checkOverfitOneBatch(ctx, options.overfitSteps ?? 40, options.overfitBatch ?? 8));
    if (wanted.has('label-shuffle-control')) add(await checkLabelShuffleControl(ctx, steps));
    if (wanted.has('learning-rate')) {
      lrRange = await lrRangeTest(ctx, options.optimizer ?? 'adam', options.lrRangeSteps ?? 30);
      add(await checkLearningRate(ctx, options.optimizer ?? 'adam', options.learningRate, lrRange, steps));
    }
    if (wanted.has('leakage')) add(checkLeakage(options.groups));
  } finally {
    sample.xs.dispose();
  }
  return { checks: results, ok: results.every((r) => r.status !== 'fail'), ...(lrRange ? { lrRange } : {}) };
}

const MARK: Record<CheckResult['status'], string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
const COLOR: Record<CheckResult['status'], string> = {
  pass: '#2e7d32',
  warn: '#ef6c00',
  fail: '#c62828',
  skip: '#757575',
};

/** One block per check: `[FAIL] title`, the verdict, and `→ what to do`. */
export function diagnosisText(diagnosis: Diagnosis): string {
  const blocks = diagnosis.checks.map((c) => {
    const lines = [`[${MARK[c.status]}] ${c.title}`, `       ${c.verdict}`];
    if (c.advice) lines.push(`     → ${c.advice}`);
    return lines.join('\n');
  });
  const failed = diagnosis.checks.filter((c) => c.status === 'fail').length;
  blocks.push(
    failed === 0
      ? 'No check failed.'
      : `${failed} check(s) failed: fix them top to bottom, the first ones often cause the later ones.`,
  );
  return blocks.join('\n');
}

/** The same as an HTML table. */
export function diagnosisHtml(diagnosis: Diagnosis): string {
  const rows = diagnosis.checks
    .map(
      (c) =>
        `<tr><td style="color:${COLOR[c.status]};font-weight:bold">${MARK[c.status]}</td><td>${escapeHtml(c.title)}</td>` +
        `<td>${escapeHtml(c.verdict)}${c.advice ? `<br><i>→ ${escapeHtml(c.advice)}</i>` : ''}</td></tr>`,
    )
    .join('');
  return `<table><thead><tr><th></th><th>check</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Shows the diagnosis: a table in a notebook, text elsewhere. */
export function showDiagnosis(diagnosis: Diagnosis): void {
  showHtml(diagnosisHtml(diagnosis), diagnosisText(diagnosis));
}
