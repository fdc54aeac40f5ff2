export { displayData, escapeHtml, inNotebook, keyValueTable, showHtml } from './display';
export { exerciseEpochs } from './exercise';
export {
  type ActiveTraining,
  claimTraining,
  InterruptedError,
  interruptScope,
  type InterruptScope,
  trainingNow,
  withInterrupt,
} from './interrupt';
export { createProgressBar, type ProgressBar, type ProgressBarOptions } from './progress';
