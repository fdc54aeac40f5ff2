export { readImageFolders, readVideoFolders } from './folder';
export { findFrameFolders, readFrameFolders } from './frame-folders';
export {
  decodeImage,
  type DecodedImage,
  type DecodeImageOptions,
  type ImageFit,
  type ImageInfo,
  imageInfo,
  MAX_IMAGE_PIXELS,
} from './image-decode';
export { exampleImages, type ExampleImagesOptions, readImageFolder } from './image-folder';
export { findHmdbSplitsDir, type Hmdb51Options, readHmdb51 } from './hmdb51';
export { parseCsvLine, readKineticsCsv } from './kinetics';
export {
  type DatasetLayout,
  detectLayout,
  getLayout,
  layoutNames,
  loadDataset,
  type LoadOptions,
  registerLayout,
} from './registry';
export {
  type PlannedSplits,
  planSplits,
  type PlanSplitsOptions,
  splitByGroup,
  type SplitOptions,
  UnsplittableError,
  withValidationSplit,
} from './split';
export {
  ALL_SPLITS,
  DatasetError,
  IMAGE_EXTENSIONS,
  type ItemKind,
  makeDataset,
  type Split,
  SPLITS,
  type StandardSplit,
  VIDEO_EXTENSIONS,
  type VideoDataset,
  type VideoItem,
} from './types';
export { readUcf101, UCF101_NAME, type Ucf101Options } from './ucf101';
