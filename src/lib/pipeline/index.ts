export {
  type AugmentOptions,
  type ClipAugmentation,
  identityAugmentation,
  resolveAugmentOptions,
  sampleAugmentation,
  temporalWindow,
  transformClip,
  type TransformTarget,
} from './augment';
export { createClipPipeline } from './clip-pipeline';
export {
  augmentedCopies,
  type AugmentedCopiesOptions,
  createImagePipeline,
  type ImageClip,
  type ImagePipelineOptions,
  imageSource,
  type ImageSourceOptions,
} from './image-pipeline';
export type {
  ClipPipeline,
  ClipPipelineOptions,
  EpochDataset,
  NormalizationLike,
  SampleBatch,
  SampleLayout,
  TensorBatch,
} from './types';
export { flipIndexTable, flipLabelSwaps, type LabelEncoding, oneHot } from './labels';
export {
  type ChannelStats,
  type ChannelStatsOptions,
  computeChannelStats,
  parseChannelStats,
  saveChannelStats,
} from './normalize';
export {
  type CacheMasks,
  openCacheMasks,
  openMaskSource,
  pasteScene,
  readScenePlates,
  type ScenePlates,
} from './masks';
export { checkInputShape, type ModelShapes, type ShapeCheckOptions, ShapeMismatchError } from './shape-check';
export { cacheSource, type ClipEntry, type ClipSource, selectSplit, type SplitSelection, videoSource } from './source';
export { type BatchWorkerOptions, type BatchWorkers, createBatchWorkers } from './worker-pool';
export {
  type BatchOptions,
  fromArray,
  fromIterator,
  type MapOptions,
  type Pipeline,
  range,
  shuffleWithBuffer,
} from './stream';
export {
  measurePeakMemory,
  type MemoryProbeMode,
  type MemoryProbeOptions,
  type MemoryProbeResult,
} from './memory-probe';
