/**
 * `train(model, data, opts)`: Adam/SGD presets of the write-ups, schedules,
 * reduce-on-plateau, early stopping, class weights, checkpoints that resume
 * after a kill, history.json, progress and live curves; `fileIO` to save/load
 * models on disk.
 *
 * What the package root exports as `train`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { type EpochRecord } from './checkpoint';
export { fileIO, type FileIOHandler } from '../models/file-io';
export { NonFiniteTrainingError } from './finite';
export { RunFolderBusyError } from './run-lock';
export { type ResumeMode } from './resume';
export { loadTutorialModel, readRunHistory, type RunHistory, tutorialRunDir, tutorialRunsDir } from './run-dir';
export { OPTIMIZER_PRESETS, type OptimizerSpec } from './optimizers';
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
export { type StepTime, type StepTimeOptions, timeTrainingSteps } from './step-time';
