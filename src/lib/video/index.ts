export {
  CACHE_FORMAT,
  type CacheClipEntry,
  type CacheConfig,
  type CacheItem,
  type CachePlan,
  type ShardRecord,
  type SkippedItem,
} from './cache-format';
export { type CachedClip, type CachedClipFloat, type ClipCache, openClipCache } from './cache-reader';
export { type Clip, type ClipOptions, DEFAULT_CLIP_BUFFER_BYTES, extractClip, extractItemClip } from './clip';
export { type EncodeOptions, encodeFrames } from './encode';
export { CacheLockedError } from './cache-lock';
export {
  extractDataset,
  type ExtractOptions,
  type ExtractProgress,
  type ExtractResult,
  MAX_CLIP_BYTES,
} from './extract-dataset';
export { CacheDamagedError } from './shard-file';
export {
  ensureBundledToolsExecutable,
  FfmpegMissingError,
  locateTool,
  spawnTool,
  stopAllTools,
  type ToolInfo,
  type ToolName,
} from './ffmpeg';
export {
  type DecodedFrames,
  type Frame,
  type FrameStreamOptions,
  type PixelFormat,
  rawFrameArgs,
  readAllFrames,
  readFrames,
  forEachFrame,
  type ResizePolicy,
} from './frames';
export { estimateMemory, type MemoryEstimate, type MemoryOptions } from './memory';
export { probe, type ProbeOptions, VideoReadError, type VideoInfo } from './probe';
export {
  type ClipSampler,
  denseClipIndices,
  getSampler,
  randomClipIndices,
  registerSampler,
  type SamplerOptions,
  uniformIndices,
} from './sampling';
