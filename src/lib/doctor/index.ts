/**
 * The "my model learned nothing" doctor: `diagnose(model, data)` checks input
 * normalisation, identical frames, label balance and alignment (shuffled-label
 * control), first loss ≈ ln(C), overfitting one batch, NaNs and dead ReLUs,
 * the learning rate (range test), the label map the model was trained with,
 * and train/validation leakage by group.
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
export { PLANTED_BUGS, type PlantedBug, plantBug, type PlantOptions } from './planted';
