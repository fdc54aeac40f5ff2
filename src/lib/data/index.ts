export * from './public';
export { findFrameFolders } from './frame-folders';
export { type ImageInfo, imageInfo, MAX_IMAGE_PIXELS } from './image-decode';
export { findHmdbSplitsDir } from './hmdb51';
export { parseCsvLine } from './kinetics';
export { type DatasetLayout, detectLayout, getLayout, layoutNames, registerLayout } from './registry';
export { type PlannedSplits, planSplits, type PlanSplitsOptions, UnsplittableError } from './split';
export { ALL_SPLITS, makeDataset, SPLITS } from './types';
export { UCF101_NAME } from './ucf101';
