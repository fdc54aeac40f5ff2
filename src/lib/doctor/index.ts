/**
 * The "my model learned nothing" doctor: `diagnose(model, data)` checks input
 * normalisation, identical frames, label balance and alignment (shuffled-label
 * control), first loss ≈ ln(C), overfitting one batch, NaNs and dead ReLUs,
 * the learning rate (range test), the label map the model was trained with,
 * and train/validation leakage by group. The "it learned the wrong thing"
 * doctor: `checkShortcuts(trainedModel, ...)` scores a trained model with the
 * frames shuffled, one frame repeated and the person hidden.
 */
export { CHECK_IDS, type CheckId, type CheckResult, type CheckStatus } from './check';
export { type ClassNames } from './label-map';
export { type LrRangeResult } from './learning-rate';
export {
  diagnose,
  type DiagnoseOptions,
  type Diagnosis,
  diagnosisHtml,
  diagnosisText,
  showDiagnosis,
} from './diagnose';
export { type Batch, PLANTED_BUGS, type PlantedBug, plantBug, type PlantOptions } from './planted';
export { checkShortcuts, type ShortcutOptions } from './shortcut-checks';
export {
  checkLine,
  type Score,
  SHORTCUT_CHECK_IDS,
  type ShortcutCheckId,
  type ShortcutCheckResult,
  type ShortcutStatus,
} from './shortcut-verdicts';
