/**
 * `diagnose(model, data)`: input statistics, identical frames, label balance,
 * first loss ≈ ln(C), overfit one batch, shuffled-label control, LR range
 * test, NaN/dead ReLU, group leakage — each with a verdict and a fix.
 *
 * What the package root exports as `doctor`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
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
export { checkLine, type Score, type ShortcutCheckResult, type ShortcutStatus } from './shortcut-verdicts';
