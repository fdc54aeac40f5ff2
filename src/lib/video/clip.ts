/**
 * One fixed-shape clip `[T,H,W,C]` uint8 from one dataset item. Short videos
 * (the usual case) take one ffmpeg pass and no ffprobe: every frame is decoded
 * at the output size, then the sampler picks from the exact count. Longer
 * videos are probed for their frame count and streamed, keeping only the picked frames.
 */
import { decodeImage } from '../data/image-decode';
import type { VideoItem } from '../data/types';
import { createRng } from '../util/random';
import { type FrameStreamOptions, type PixelFormat, readAllFrames, readFrames, type ResizePolicy } from './frames';
import { probe, requireReadable, VideoReadError } from './probe';
import { getSampler } from './sampling';

/** 32 MiB: about 10 000 frames at 32x32 RGB, or 30 s of 30 fps video at 112x112 RGB. */
export const DEFAULT_CLIP_BUFFER_BYTES = 32 * 1024 * 1024;

export interface ClipOptions {
  /** Frames per clip (T). */
  readonly frames: number;
  /** Output width (W). */
  readonly width: number;
  /** Output height (H). */
  readonly height: number;
  /** `gray` gives C=1, `rgb24` C=3. @default 'rgb24' */
  readonly pixelFormat?: PixelFormat;
  /** @default 'crop' */
  readonly resize?: ResizePolicy;
  /** Resample the video to this rate before sampling; unset uses the native frames. */
  readonly fps?: number;
  /** A registered sampler returning one clip: `uniform` or `random`. @default 'uniform' */
  readonly sampler?: string;
  /** Frame step for `random`. @default 1 */
  readonly stride?: number;
  /** Seed for `random`, mixed with the file path so each file gets its own start. @default 0 */
  readonly seed?: number;
  /**
   * A video whose decoded frames (`frames x H x W x C` bytes at the output
   * size) fit in this many bytes is decoded whole in one ffmpeg pass and
   * sampled from its exact frame count; a longer one is probed first and
   * streamed (its count may then be an estimate: see {@link Clip.paddedFrames}).
   * @default DEFAULT_CLIP_BUFFER_BYTES (32 MiB)
   */
  readonly maxBufferBytes?: number;
  readonly signal?: AbortSignal;
}

export interface Clip {
  /** `[T,H,W,C]` uint8 channels-last, 0..255. */
  readonly data: Uint8Array;
  readonly shape: readonly [number, number, number, number];
  /** Which source frames (after fps resampling) were kept, in order. */
  readonly indices: readonly number[];
  /**
   * The frame count `indices` were sampled from (after fps resampling): the
   * decoded count for short videos; for long ones the container's count, or
   * duration x fps when it has none or fps resampling is on.
   */
  readonly sourceFrames: number;
  /** Frames ffmpeg actually decoded (after fps resampling). */
  readonly decodedFrames: number;
  /**
   * Clip positions filled with a copy of the last decoded frame because
   * `sourceFrames` promised more frames than decoded; 0 when the count was exact.
   */
  readonly paddedFrames: number;
}

/** Extracts a clip from a video or single image file (an image is one frame, repeated). */
export async function extractClip(file: string, options: ClipOptions): Promise<Clip> {
  const channels = options.pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = options.width * options.height * channels;
  const shape = [options.frames, options.height, options.width, channels] as const;
  const limit = options.maxBufferBytes ?? DEFAULT_CLIP_BUFFER_BYTES;
  if (!(limit >= 0)) throw new Error(`maxBufferBytes must be >= 0, got ${limit}`);
  requireReadable(file); // else ffmpeg's failure reads as a corrupt video
  const whole = await readAllFrames(file, streamOptions(options), limit);
  if (!whole) return streamClip(file, options, frameBytes, shape); // too long to hold
  const indices = pickIndices(file, whole.frames, options);
  const data = new Uint8Array(options.frames * frameBytes);
  indices.forEach((source, position) =>
    data.set(whole.data.subarray(source * frameBytes, (source + 1) * frameBytes), position * frameBytes),
  );
  return { data, shape, indices, sourceFrames: whole.frames, decodedFrames: whole.frames, paddedFrames: 0 };
}

/** Long videos: sample from ffprobe's count, decode to the end keeping the picked frames. */
async function streamClip(file: string, options: ClipOptions, frameBytes: number, shape: Clip['shape']): Promise<Clip> {
  const info = await probe(file, { signal: options.signal });
  const total = Math.max(1, options.fps === undefined ? info.frames : Math.round(info.duration * options.fps));
  const indices = pickIndices(file, total, options);
  const data = new Uint8Array(options.frames * frameBytes);
  const wanted = new Map<number, number[]>(); // source index → clip positions (repeats allowed)
  indices.forEach((source, position) => wanted.set(source, [...(wanted.get(source) ?? []), position]));
  let decoded = 0;
  let previous: Uint8Array | undefined;
  for await (const frame of readFrames(file, streamOptions(options))) {
    for (const position of wanted.get(frame.index) ?? []) data.set(frame.data, position * frameBytes);
    previous = frame.data;
    decoded = frame.index + 1; // read on to the end: the decoded count goes in the cache entry
  }
  // The count was an estimate that decoding did not reach: repeat the last frame, and say so.
  let paddedFrames = 0;
  for (const [position, source] of indices.entries()) {
    if (source >= decoded && previous) {
      data.set(previous, position * frameBytes);
      paddedFrames++;
    }
  }
  return { data, shape, indices, sourceFrames: total, decodedFrames: decoded, paddedFrames };
}

function streamOptions(options: ClipOptions): FrameStreamOptions & { width: number; height: number } {
  return {
    width: options.width,
    height: options.height,
    pixelFormat: options.pixelFormat,
    resize: options.resize,
    fps: options.fps,
    signal: options.signal,
  };
}

/**
 * Extracts a clip from any dataset item: videos through ffmpeg; frame folders
 * and photos (one frame, repeated) through the one image decoder, so their
 * colours match `data.decodeImage` for every colour space and bit depth.
 */
export async function extractItemClip(item: VideoItem, options: ClipOptions): Promise<Clip> {
  if (item.kind === 'video') return extractClip(item.path, options);
  const files = item.kind === 'image' ? [item.path] : (item.frameFiles ?? []);
  if (files.length === 0)
    throw new VideoReadError(item.path, `${item.path}: frame folder has no image files; remove it`);
  const indices = pickIndices(item.path, files.length, options);
  const channels = options.pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = options.width * options.height * channels;
  const data = new Uint8Array(options.frames * frameBytes);
  const decoded = new Map<number, Uint8Array>(); // a photo, or a frame picked twice, is decoded once
  for (const [position, source] of indices.entries()) {
    options.signal?.throwIfAborted();
    const file = files[source] as string;
    let pixels = decoded.get(source);
    if (!pixels) {
      requireReadable(file);
      const size = [options.height, options.width] as const;
      const fit = options.resize ?? 'crop';
      try {
        pixels = (await decodeImage(file, { size, fit, channels })).data;
      } catch (error) {
        throw new VideoReadError(file, (error as Error).message);
      }
      decoded.set(source, pixels);
    }
    data.set(pixels, position * frameBytes);
  }
  return {
    data,
    shape: [options.frames, options.height, options.width, channels],
    indices,
    sourceFrames: files.length,
    decodedFrames: files.length,
    paddedFrames: 0,
  };
}

function pickIndices(file: string, total: number, options: ClipOptions): number[] {
  const clips = getSampler(options.sampler ?? 'uniform')(total, {
    frames: options.frames,
    stride: options.stride,
    rng: createRng(`${options.seed ?? 0}:${file}`),
  });
  const first = clips[0];
  if (!first) throw new Error(`sampler "${options.sampler}" returned no clip for ${file}`);
  return first;
}
