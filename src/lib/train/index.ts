/**
 * Training: `train(model, data, options)` over model.fitDataset with presets,
 * schedules, checkpoints that resume, and progress; a file IOHandler for
 * saving and loading models from local folders.
 */
export {
  type CheckpointState,
  clearRun,
  type EpochRecord,
  latestCheckpoint,
  type LoadedCheckpoint,
  type NormalizationStats,
  restoreWeights,
  saveCheckpoint,
} from './checkpoint';
export { fileIO, type FileIOHandler } from '../models/file-io';
export { NonFiniteTrainingError } from './finite';
export { lockRunFolder, RUN_LOCK, RunFolderBusyError } from './run-lock';
export { type RunFingerprint } from './fingerprint';
export { type ResumeMode } from './resume';
export { loadTutorialModel, readRunHistory, type RunHistory, tutorialRunDir, tutorialRunsDir } from './run-dir';
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
  scheduleLabel,
  type ScheduleStep,
  stepDecay,
  timeDecay,
} from './schedule';
export { balancedClassWeights, type Batch, train, type TrainOptions, type TrainResult } from './train';
export { type StepTime, type StepTimeOptions, timeTrainingSteps } from './step-time';
