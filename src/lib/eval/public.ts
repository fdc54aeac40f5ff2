/**
 * Top-1/top-k, per-class precision/recall/F1, confusion matrix, clip vs video
 * level, misclassified clips, run comparison tables.
 *
 * What the package root exports as `evaluation`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export {
  type ClassMetrics,
  confusionMatrix,
  type Misclassified,
  type PerClassReport,
  perClassMetrics,
  type ScoreRows,
  topKAccuracy,
  type VideoLevel,
  videoLevel,
  wilsonInterval,
} from './metrics';
export { predictDataset, type PredictOptions, type Predictions } from './predict';
export { compareRuns, type RunFacts, type RunRow, type RunTable, type TestScore } from './compare';
export { describeConfusions } from './confusions';
export { formatAccuracy } from './format';
export { evaluate, type EvaluateOptions, type EvaluationReport, type LevelReport, reportText } from './report';
export { misclassifiedClips } from './gallery';
