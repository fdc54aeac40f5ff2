/**
 * Streaming batches from the cache (or videos): shuffle, seeded
 * clip-consistent augmentation, normalisation, worker-thread prefetch,
 * `tf.data` datasets for `fitDataset`, shape checks with the fix.
 *
 * What the package root exports as `pipeline`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { type AugmentOptions } from './augment';
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
export {
  type ClipPipeline,
  type ClipPipelineOptions,
  type EpochDataset,
  type NormalizationLike,
  type SampleBatch,
  type SampleLayout,
  type TensorBatch,
} from './types';
export { type LabelEncoding, oneHot } from './labels';
export { type ChannelStats, type ChannelStatsOptions, computeChannelStats } from './normalize';
export { checkInputShape, type ModelShapes, type ShapeCheckOptions, ShapeMismatchError } from './shape-check';
export { cacheSource, type ClipEntry, type ClipSource, type SplitSelection, videoSource } from './source';
export { type BatchOptions, fromArray, fromIterator, type MapOptions, type Pipeline } from './stream';
export {
  measurePeakMemory,
  type MemoryProbeMode,
  type MemoryProbeOptions,
  type MemoryProbeResult,
} from './memory-probe';
