export { BUNDLED_CACHE, bundledCacheDir, ensureBundledCache } from './bundled-cache';
export {
  BUNDLED_SYNTH,
  bundledDatasetDir,
  ensureBundledDataset,
  ensureSyntheticDataset,
  generateSyntheticDataset,
  RENDERER_VERSION,
  type SynthManifest,
  type SynthManifestItem,
  type SynthOptions,
} from './generate';
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
