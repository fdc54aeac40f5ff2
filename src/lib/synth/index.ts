export { BUNDLED_CACHE, bundledCacheDir, ensureBundledCache } from './bundled-cache';
export {
  BUNDLED_SYNTH,
  bundledDatasetDir,
  ensureBundledDataset,
  ensureSyntheticDataset,
  generateSyntheticDataset,
  SynthFolderError,
  synthFolderState,
  type SynthOptions,
} from './generate';
export { PENDING_FILE, type SynthFolderState } from './folder-state';
export { RENDERER_VERSION, type SynthManifest, type SynthManifestItem, type SynthSettings } from './manifest';
export {
  BUNDLED_CLASSES,
  motionFor,
  MOTION_NAMES,
  MOTIONS,
  type Motion,
  type MotionAmounts,
  type MotionState,
} from './motions';
export {
  type Actor,
  type ClipParams,
  randomActor,
  randomClipParams,
  renderClip,
  SHAPES,
  type ShapeName,
} from './render';
