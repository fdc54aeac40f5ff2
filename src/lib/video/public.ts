/**
 * Ffprobe `probe`, frame streaming through an ffmpeg pipe, clip samplers, the
 * sharded frame cache (`extractDataset`, `openClipCache`), `estimateMemory`.
 *
 * What the package root exports as `video`; actlab's own code (CLI, tests)
 * imports the whole folder through ./index, also `actlab/internal`.
 *
 * @packageDocumentation
 */
export { type CacheClipEntry, type CacheConfig, type SkippedItem } from './cache-format';
export { type CachedClip, type CachedClipFloat, type ClipCache, openClipCache } from './cache-reader';
export { type Clip, type ClipOptions, extractClip, extractItemClip } from './clip';
export { CacheLockedError } from './cache-lock';
export { extractDataset, type ExtractOptions, type ExtractProgress, type ExtractResult } from './extract-dataset';
export { CacheDamagedError } from './shard-file';
export { FfmpegMissingError } from './ffmpeg';
export {
  type Frame,
  type FrameStreamOptions,
  type PixelFormat,
  readFrames,
  forEachFrame,
  type ResizePolicy,
} from './frames';
export { estimateMemory, type MemoryEstimate, type MemoryOptions } from './memory';
export { probe, type ProbeOptions, VideoReadError, type VideoInfo } from './probe';
export { denseClipIndices, uniformIndices } from './sampling';
