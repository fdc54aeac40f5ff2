/**
 * The chapters' datasets and training recipes (`tutorialDataset`, `trainRun`,
 * `evaluateRun`), the ones `actlab train` runs too.
 *
 * What the package root exports as `recipes`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { type BuildOptions, describeRecipe, recipe, type Recipe, RECIPE_MODELS, type RecipeModel } from './tutorial';
export {
  type AugmentMode,
  type CacheInfo,
  type ClipFormat,
  diagnoseRun,
  type DiagnoseRunOptions,
  evaluateRun,
  type EvaluateRunOptions,
  HEALTHY_CHECKS,
  readCacheInfo,
  recordRun,
  type RunRecordFields,
  RunInputError,
  type RunEvaluation,
  type RunRecord,
  STRONG_AUGMENT,
  trainRun,
  type TrainRunOptions,
  type TrainRunResult,
} from './run';
export { type ClipSettings, shapesDataset, tutorialDataset, type TutorialDataset } from './dataset';
export { diagnoseTrainedRun, type DiagnoseTrainedRunOptions } from './shortcuts';
export { type FewShotOptions, type FewShotResult, trainAndTest } from './few-shot';
export { loadPretrained, type PretrainedModel, type PretrainedOptions } from './pretrained';
export { runScore, type SceneScoreRow, showSceneTable, type SplitScore } from './people';
export { pretrainOnStills, STILLS_RUN, type StillsPretrainOptions, type StillsPretrainResult } from './stills';
