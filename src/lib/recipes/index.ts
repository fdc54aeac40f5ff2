/** The tutorial's training recipes, shared by the notebooks and `actlab train`. */
export {
  type BuildOptions,
  describeRecipe,
  recipe,
  type Recipe,
  RECIPE_MODELS,
  type RecipeModel,
  SMALL_CLIP_AUGMENT,
} from './tutorial';
export {
  type CacheInfo,
  checkRunInput,
  type ClipFormat,
  describeClips,
  diagnoseRun,
  type DiagnoseRunOptions,
  evaluateRun,
  type EvaluateRunOptions,
  extractFlags,
  HEALTHY_CHECKS,
  readCacheInfo,
  readRunRecord,
  runRecipe,
  RunInputError,
  type RunInput,
  type RunEvaluation,
  type RunRecord,
  trainRun,
  type TrainRunOptions,
  type TrainRunResult,
} from './run';
export {
  type ClipSettings,
  DATASET_ENV,
  readDatasetFile,
  tutorialDataset,
  type TutorialDataset,
  type TutorialDatasetFile,
} from './dataset';
export { type FewShotOptions, type FewShotResult, trainAndTest } from './few-shot';
export { loadPretrained, type PretrainedModel, type PretrainedOptions } from './pretrained';
