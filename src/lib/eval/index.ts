/**
 * Evaluation: top-1/top-k accuracy with counts and 95% Wilson intervals,
 * per-class precision/recall/F1, confusion matrix, clip vs video level,
 * misclassified examples, and a table comparing runs.
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
  topKCorrect,
  type VideoLevel,
  videoLevel,
  wilsonInterval,
} from './metrics';
export { predictDataset, type PredictOptions, type Predictions } from './predict';
export { compareRuns, type RunFacts, type RunRow, type RunTable, type TestScore } from './compare';
export { type Confusion, describeConfusions, topConfusions } from './confusions';
export { formatAccuracy } from './format';
export {
  evaluate,
  type EvaluateOptions,
  type EvaluationReport,
  evaluatePredictions,
  type LevelReport,
  reportText,
} from './report';
export { misclassifiedClips } from './gallery';
