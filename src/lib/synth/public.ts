/**
 * Renders the bundled sets: people in scenes (with masks, scenes, stills,
 * held-out actions) and the shapes (deterministic for a seed).
 *
 * What the package root exports as `synth`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { ensureBundledCache, ensurePeopleDataset, PEOPLE_CACHE, peopleDatasetDir } from './bundled-cache';
export {
  ensureBundledDataset,
  ensureSyntheticDataset,
  generateSyntheticDataset,
  SynthFolderError,
  type SynthOptions,
} from './generate';
export { ensureHeldOutSet, HELD_OUT_CLASSES, type HeldOutOptions, type HeldOutSet } from './held-out';
export {
  RENDERER_VERSION,
  type SynthManifest,
  type SynthManifestItem,
  type SynthScenePlate,
  type SynthSettings,
} from './manifest';
export { PEOPLE_SYNTH } from './people-set';
export { BUNDLED_CLASSES, MOTION_NAMES, MOTIONS, type Motion, type MotionAmounts, type MotionState } from './motions';
export { type Ucf101Tree, type Ucf101TreeOptions, writeUcf101Tree } from './ucf-layout';
export { ensurePeopleStills, peopleStillsDir } from './people-stills';
export { ensureStillSet } from './still-set';
