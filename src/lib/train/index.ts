/**
 * Training: `train(model, data, options)` over model.fitDataset with presets,
 * schedules, checkpoints that resume, and progress; a file IOHandler for
 * saving and loading models from local folders.
 */
export {
  type CheckpointState,
  type EpochRecord,
  latestCheckpoint,
  type LoadedCheckpoint,
  type NormalizationStats,
  restoreWeights,
  saveCheckpoint,
} from './checkpoint';
export { fileIO, type FileIOHandler } from './io';
export { loadTutorialModel, readRunHistory, type RunHistory, tutorialRunDir } from './run-dir';
export {
  createOptimizer,
  disposeOptimizer,
  getLearningRate,
  OPTIMIZER_PRESETS,
  type OptimizerSpec,
  resolveOptimizer,
  setLearningRate,
} from './optimizers';
export {
  constantLr,
  cosineDecay,
  type LrSchedule,
  type MonitorOptions,
  type PlateauOptions,
  type ScheduleStep,
  stepDecay,
  timeDecay,
} from './schedule';
export { balancedClassWeights, type Batch, train, type TrainOptions, type TrainResult } from './train';
