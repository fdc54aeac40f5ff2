/**
 * Evaluation: top-1/top-k accuracy, per-class precision/recall/F1, confusion
 * matrix, clip vs video level, misclassified examples, and a table comparing runs.
 */
export {
  argMax,
  type ClassMetrics,
  confusionMatrix,
  type Misclassified,
  misclassified,
  type PerClassReport,
  perClassMetrics,
  predictions,
  type ScoreRows,
  topKAccuracy,
  type VideoLevel,
  videoLevel,
} from './metrics';
export { predictDataset, type Predictions } from './predict';
export {
  compareRuns,
  evaluate,
  type EvaluateOptions,
  type EvaluationReport,
  evaluatePredictions,
  type LevelReport,
  reportText,
  type RunRow,
  type RunTable,
} from './report';
export { misclassifiedClips } from './gallery';
