export * from './public';
export {
  type ClipAugmentation,
  identityAugmentation,
  resolveAugmentOptions,
  sampleAugmentation,
  temporalWindow,
  transformClip,
  type TransformTarget,
} from './augment';
export { flipIndexTable, flipLabelSwaps } from './labels';
export { parseChannelStats, saveChannelStats } from './normalize';
export {
  type CacheMasks,
  openCacheMasks,
  openMaskSource,
  pasteScene,
  readScenePlates,
  type ScenePlates,
} from './masks';
export { selectSplit } from './source';
export { type BatchWorkerOptions, type BatchWorkers, createBatchWorkers } from './worker-pool';
export { range, shuffleWithBuffer } from './stream';
