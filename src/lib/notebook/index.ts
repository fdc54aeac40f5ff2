export * from './public';
export { escapeHtml, keyValueTable } from './display';
export {
  type ActiveTraining,
  claimTraining,
  interruptScope,
  type InterruptScope,
  trainingNow,
  withInterrupt,
} from './interrupt';
