/** The tutorial's training recipes, shared by the notebooks and `actlab train`. */
export * from './public';
export { SMALL_CLIP_AUGMENT } from './tutorial';
export {
  AUGMENT_MODES,
  checkRunInput,
  describeClips,
  extractFlags,
  readRunRecord,
  recipeAugmentation,
  runRecipe,
  type RunInput,
  SCENE_PASTE,
} from './run';
export { DATASET_ENV, readDatasetFile, type TutorialDatasetFile } from './dataset';
export { compareRunFolders, findRunFolders, readRunSummary, type RunComparison, type RunSummary } from './runs';
export { readScores, type RunScores, type SplitScoreRecord } from './scores';
