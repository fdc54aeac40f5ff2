export {
  BUNDLED_CACHE,
  bundledCacheDir,
  ensureBundledCache,
  ensurePeopleCache,
  ensurePeopleDataset,
  PEOPLE_CACHE,
  peopleCacheDir,
  peopleDatasetDir,
} from './bundled-cache';
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
export {
  PEOPLE_RENDERER_VERSION,
  RENDERER_VERSION,
  type SynthManifest,
  type SynthManifestItem,
  type SynthScenePlate,
  type SynthSettings,
} from './manifest';
export { PEOPLE_SYNTH, PLATES_PER_SCENE } from './people-set';
export {
  ACTION_SCENES,
  PEOPLE_ACTIONS,
  PEOPLE_HELD_OUT_ACTIONS,
  type Person,
  type PersonClipParams,
  randomPerson,
  randomPersonClipParams,
  renderPersonClip,
} from './people';
export { randomSceneSpec, renderScene, SCENE_NAMES, type SceneSpec } from './scenes';
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
  ensurePeopleStills,
  generatePeopleStills,
  PEOPLE_STILLS,
  PEOPLE_STILLS_VERSION,
  type PeopleStillOptions,
  type PeopleStillSettings,
  peopleStillsDir,
} from './people-stills';
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
