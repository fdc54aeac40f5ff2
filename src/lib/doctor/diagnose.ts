/** `diagnose(model, data)`: runs the "my model learned nothing" checks and renders a verdict per check. */
import type * as tf from '@tensorflow/tfjs';

import { escapeHtml, showHtml } from '../notebook/display';
import { interruptScope } from '../notebook/interrupt';
import { CHECK_IDS, type CheckContext, type CheckId, type CheckResult } from './check';
import { checkFramesDiffer, checkInputStats, checkLabelBalance, checkLeakage } from './data-checks';
import { checkLearningRate, type LrRangeResult, lrRangeTest } from './learning-rate';
import { checkLabelMap, type ClassNames } from './label-map';
import { checkInitialLoss, checkLabelShuffleControl, checkNanDeadRelu, checkOverfitOneBatch } from './model-checks';
import { gatherSample, looksFresh } from './samples';

export interface DiagnoseOptions {
  /**
   * Samples read from `data` and held in memory (maxSamples × one sample's
   * floats: 16 MB for the tutorial's 16×32×32 clips; lower it for big clips).
   * The shuffled-label control needs a few hundred: models must generalise
   * there. The other checks use the first 8–64. @default 256
   */
  readonly maxSamples?: number;
  /** The learning rate you plan to train with; checked against a tenth of it. @default none (the check is skipped, with the range test's suggestion) */
  readonly learningRate?: number;
  /** Optimizer family for the LR checks. @default 'adam' */
  readonly optimizer?: 'adam' | 'sgd';
  /** Most Adam steps of the overfit-one-batch check (it stops once memorised). @default 40 */
  readonly overfitSteps?: number;
  /** Samples in the "one small batch". @default 8 */
  readonly overfitBatch?: number;
  /** Most Adam steps of the shuffled-label control's real-label training (it stops once clearly above chance); the control trains as many. @default 150 */
  readonly controlSteps?: number;
  /**
   * Adam's learning rate in the shuffled-label control: the rate your model
   * learns at (a recipe's), so the control's budget is one in which a healthy
   * model generalises. @default 0.001
   */
  readonly controlLearningRate?: number;
  /** Samples per step of the shuffled-label control. @default 16 */
  readonly controlBatch?: number;
  /** Samples the shuffled-label control holds out and scores (the rest train). @default 32 */
  readonly controlHeldOut?: number;
  /** Steps of the LR range test. @default 30 */
  readonly lrRangeSteps?: number;
  /** Full-batch steps of each copy in the planned-vs-tenth LR comparison. @default 10 */
  readonly lrSteps?: number;
  /** Samples the LR comparison trains on. @default 8 */
  readonly lrSamples?: number;
  /** Group id (actor, source video) of every train and validation sample, for the leakage check. @default none */
  readonly groups?: { readonly train: readonly string[]; readonly validation: readonly string[] };
  /** The class names the model was trained with (a run's `history.labels`) and the data's (`pipeline.classes`), for the label-map check. @default none */
  readonly classNames?: ClassNames;
  /** Run only these checks. @default all */
  readonly checks?: readonly CheckId[];
  /** Seeds the label shuffle of the control and its batch order. @default 0 */
  readonly seed?: number;
  /** Called with each result as it is ready (long checks train small copies). @default none */
  readonly onCheck?: (result: CheckResult) => void;
  /** Stops the checks at their next training step; in a notebook Kernel > Interrupt does the same. @default none */
  readonly signal?: AbortSignal;
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
 * (training checks train copies with dropout off). Pass an untrained model
 * for the ln(C) check, a trained one to check its label map. Every tensor the
 * checks make is disposed, also when one throws.
 *
 * Which planted bug each check catches (measured on the tutorial's C3D):
 * shuffled labels → label-shuffle-control (overfit still passes: memorising
 * works on any labels); 0–255 input → input-stats and initial-loss; a rate
 * 100× too high → learning-rate; one frame repeated → frames-differ; labels
 * off by one → label-map, from the class names or a trained model only (a
 * consistent relabelling trains as well as the right labels).
 */
export async function diagnose(
  model: tf.LayersModel,
  data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>,
  options: DiagnoseOptions = {},
): Promise<Diagnosis> {
  const wanted = new Set<CheckId>(options.checks ?? CHECK_IDS);
  const numClasses = model.outputs[0]!.shape[1]!;
  const sample = await gatherSample(data, options.maxSamples ?? 256);
  const results: CheckResult[] = [];
  const add = (r: CheckResult) => {
    results.push(r);
    options.onCheck?.(r);
  };
  let lrRange: LrRangeResult | undefined;
  const optimizer = options.optimizer ?? 'adam';
  // Kernel > Interrupt (or options.signal) stops the training checks at their next step.
  const interrupt = interruptScope(options.signal);
  try {
    const signal = interrupt.signal;
    const fresh = looksFresh(model);
    const ctx: CheckContext = { model, sample, numClasses, seed: options.seed ?? 0, fresh, signal };
    if (wanted.has('input-stats')) add(checkInputStats(ctx));
    if (wanted.has('frames-differ')) add(checkFramesDiffer(ctx));
    if (wanted.has('label-balance')) add(checkLabelBalance(ctx));
    if (wanted.has('initial-loss')) add(checkInitialLoss(ctx));
    if (wanted.has('nan-dead-relu')) add(checkNanDeadRelu(ctx));
    if (wanted.has('overfit-one-batch')) {
      const overfit = { steps: options.overfitSteps ?? 40, batchSize: options.overfitBatch ?? 8 };
      add(await checkOverfitOneBatch(ctx, overfit));
    }
    if (wanted.has('label-shuffle-control')) {
      const control = {
        steps: options.controlSteps ?? 150,
        batchSize: options.controlBatch ?? 16,
        learningRate: options.controlLearningRate,
        heldOut: options.controlHeldOut ?? 32,
      };
      add(await checkLabelShuffleControl(ctx, control));
    }
    if (wanted.has('learning-rate')) {
      lrRange = await lrRangeTest(ctx, optimizer, { steps: options.lrRangeSteps ?? 30 });
      const compare = { steps: options.lrSteps ?? 10, samples: options.lrSamples ?? 8 };
      add(await checkLearningRate(ctx, optimizer, options.learningRate, lrRange, compare));
    }
    if (wanted.has('label-map')) add(checkLabelMap(ctx, options.classNames));
    if (wanted.has('leakage')) add(checkLeakage(options.groups));
  } catch (error) {
    interrupt.throwIfAborted(
      () => `diagnose: interrupted after ${results.length} finished check(s); run the cell again for all of them`,
    );
    throw error;
  } finally {
    interrupt.close();
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
