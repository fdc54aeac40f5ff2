/**
 * Evaluation: top-1/top-k accuracy with counts and 95% Wilson intervals,
 * per-class precision/recall/F1, confusion matrix, clip vs video level,
 * misclassified examples, and a table comparing runs.
 */
export * from './public';
export { argMax, misclassified, predictions, topKCorrect } from './metrics';
export { type Confusion, topConfusions } from './confusions';
export { evaluatePredictions } from './report';
