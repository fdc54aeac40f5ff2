/**
 * Training: `train(model, data, options)` over model.fitDataset with presets,
 * schedules, checkpoints that resume, and progress; a file IOHandler for
 * saving and loading models from local folders.
 */
export * from './public';
export {
  type CheckpointState,
  clearRun,
  latestCheckpoint,
  type LoadedCheckpoint,
  type NormalizationStats,
  restoreWeights,
  saveCheckpoint,
} from './checkpoint';
export { lockRunFolder, RUN_LOCK } from './run-lock';
export { type RunFingerprint } from './fingerprint';
export { createOptimizer, disposeOptimizer, getLearningRate, resolveOptimizer, setLearningRate } from './optimizers';
export { scheduleLabel } from './schedule';
