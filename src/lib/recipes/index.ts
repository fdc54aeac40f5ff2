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
  AUGMENT_MODES,
  type AugmentMode,
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
  recipeAugmentation,
  recordRun,
  type RunRecordFields,
  runRecipe,
  RunInputError,
  type RunInput,
  type RunEvaluation,
  type RunRecord,
  SCENE_PASTE,
  STRONG_AUGMENT,
  trainRun,
  type TrainRunOptions,
  type TrainRunResult,
} from './run';
export {
  type ClipSettings,
  DATASET_ENV,
  readDatasetFile,
  shapesDataset,
  tutorialDataset,
  type TutorialDataset,
  type TutorialDatasetFile,
} from './dataset';
export { compareRunFolders, findRunFolders, readRunSummary, type RunComparison, type RunSummary } from './runs';
export { readScores, type RunScores, type SplitScoreRecord } from './scores';
export { diagnoseTrainedRun, type DiagnoseTrainedRunOptions } from './shortcuts';
export { type FewShotOptions, type FewShotResult, trainAndTest } from './few-shot';
export { loadPretrained, type PretrainedModel, type PretrainedOptions } from './pretrained';
export { runScore, type SceneScoreRow, showSceneTable, type SplitScore } from './people';
export { pretrainOnStills, STILLS_RUN, type StillsPretrainOptions, type StillsPretrainResult } from './stills';
