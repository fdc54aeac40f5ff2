/**
 * One `VideoDataset` from folder-per-class videos, HMDB51 (with its
 * `*_test_splitN.txt` files), UCF101 (`classInd.txt`, official split lists),
 * Kinetics-style CSV, image folders, frame-sequence folders; group-aware
 * stratified splits.
 *
 * What the package root exports as `data`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { readImageFolders, readVideoFolders } from './folder';
export { readFrameFolders } from './frame-folders';
export { decodeImage, type DecodedImage, type DecodeImageOptions, type ImageFit } from './image-decode';
export { exampleImages, type ExampleImagesOptions, readImageFolder } from './image-folder';
export { type Hmdb51Options, readHmdb51 } from './hmdb51';
export { readKineticsCsv } from './kinetics';
export { loadDataset, type LoadOptions } from './registry';
export { splitByGroup, type SplitOptions, withValidationSplit } from './split';
export {
  DatasetError,
  IMAGE_EXTENSIONS,
  type ItemKind,
  type Split,
  type StandardSplit,
  VIDEO_EXTENSIONS,
  type VideoDataset,
  type VideoItem,
} from './types';
export { readUcf101, type Ucf101Options } from './ucf101';
