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
export { ensureHeldOutSet, HELD_OUT_CLASSES, type HeldOutOptions, type HeldOutSet } from './held-out';
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
export { ucfClassName, type Ucf101Tree, type Ucf101TreeOptions, writeUcf101Tree } from './ucf-layout';
export {
  ensureStillSet,
  generateStillSet,
  SOURCE_STILLS,
  STILL_PRESETS,
  type StillManifest,
  type StillPreset,
  type StillSetOptions,
  type StillSetSettings,
  stillSetDir,
  STILLS_VERSION,
  TARGET_STILLS,
} from './still-set';
export {
  insideStillShape,
  randomScene,
  randomStillParams,
  renderStill,
  type Scene,
  STILL_SHAPES,
  type StillOnlyShape,
  type StillParams,
  type StillShape,
} from './stills';
