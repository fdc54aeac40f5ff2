export * from './public';
export { CACHE_FORMAT, type CacheItem, type CachePlan, type ShardRecord } from './cache-format';
export { DEFAULT_CLIP_BUFFER_BYTES } from './clip';
export { type EncodeOptions, encodeFrames } from './encode';
export { MAX_CLIP_BYTES } from './extract-dataset';
export {
  ensureBundledToolsExecutable,
  locateTool,
  spawnTool,
  stopAllTools,
  type ToolInfo,
  type ToolName,
} from './ffmpeg';
export { type DecodedFrames, rawFrameArgs, readAllFrames } from './frames';
export { type ClipSampler, getSampler, randomClipIndices, registerSampler, type SamplerOptions } from './sampling';
