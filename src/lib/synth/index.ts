export * from './public';
export { BUNDLED_CACHE, bundledCacheDir, ensurePeopleCache, PEOPLE_CACHE, peopleCacheDir } from './bundled-cache';
export { BUNDLED_SYNTH, bundledDatasetDir, synthFolderState } from './generate';
export { PENDING_FILE, type SynthFolderState } from './folder-state';
export { PEOPLE_RENDERER_VERSION } from './manifest';
export { PLATES_PER_SCENE } from './people-set';
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
export { motionFor } from './motions';
export {
  type Actor,
  type ClipParams,
  randomActor,
  randomClipParams,
  renderClip,
  SHAPES,
  type ShapeName,
} from './render';
export { ucfClassName } from './ucf-layout';
export {
  ensurePeopleStills,
  generatePeopleStills,
  PEOPLE_STILLS,
  PEOPLE_STILLS_VERSION,
  type PeopleStillOptions,
  type PeopleStillSettings,
} from './people-stills';
export {
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
