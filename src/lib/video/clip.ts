/**
 * One fixed-shape clip `[T,H,W,C]` uint8 from one dataset item: probe for the
 * frame count, pick indices with a sampler, stream-decode keeping only those.
 */
import sharp from 'sharp';

import type { VideoItem } from '../data/types';
import { createRng } from '../util/random';
import { type PixelFormat, readFrames, type ResizePolicy } from './frames';
import { probe, VideoReadError } from './probe';
import { getSampler } from './sampling';

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
  readonly signal?: AbortSignal;
}

export interface Clip {
  /** `[T,H,W,C]` uint8 channels-last, 0..255. */
  readonly data: Uint8Array;
  readonly shape: readonly [number, number, number, number];
  /** Which source frames (after fps resampling) were kept, in order. */
  readonly indices: readonly number[];
  /** Frames the source had (after fps resampling). */
  readonly sourceFrames: number;
}

/** Extracts a clip from a video or single image file (an image is one frame, repeated). */
export async function extractClip(file: string, options: ClipOptions): Promise<Clip> {
  const info = await probe(file, { signal: options.signal });
  const total = Math.max(1, options.fps === undefined ? info.frames : Math.round(info.duration * options.fps));
  const indices = pickIndices(file, total, options);
  const channels = options.pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = options.width * options.height * channels;
  const data = new Uint8Array(options.frames * frameBytes);
  const wanted = new Map<number, number[]>(); // source index → clip positions (repeats allowed)
  indices.forEach((source, position) => wanted.set(source, [...(wanted.get(source) ?? []), position]));
  const last = indices[indices.length - 1] as number;
  let decoded = 0;
  let previous: Uint8Array | undefined;
  for await (const frame of readFrames(file, { ...options, width: options.width, height: options.height })) {
    for (const position of wanted.get(frame.index) ?? []) data.set(frame.data, position * frameBytes);
    previous = frame.data;
    decoded = frame.index + 1;
    if (frame.index >= last) break; // the rest is not needed: stop ffmpeg early
  }
  // Containers sometimes promise a frame or two more than decode: reuse the last one.
  for (const [position, source] of indices.entries()) {
    if (source >= decoded && previous) data.set(previous, position * frameBytes);
  }
  return { data, shape: [options.frames, options.height, options.width, channels], indices, sourceFrames: total };
}

/** Extracts a clip from any dataset item: videos and images through ffmpeg, frame folders through sharp. */
export async function extractItemClip(item: VideoItem, options: ClipOptions): Promise<Clip> {
  if (item.kind !== 'frames') return extractClip(item.path, options);
  const files = item.frameFiles ?? [];
  if (files.length === 0)
    throw new VideoReadError(item.path, `${item.path}: frame folder has no image files; remove it`);
  const indices = pickIndices(item.path, files.length, options);
  const channels = options.pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = options.width * options.height * channels;
  const data = new Uint8Array(options.frames * frameBytes);
  const fit = { stretch: 'fill', crop: 'cover', pad: 'contain' } as const;
  for (const [position, source] of indices.entries()) {
    options.signal?.throwIfAborted();
    const file = files[source] as string;
    try {
      let image = sharp(file)
        .resize(options.width, options.height, { fit: fit[options.resize ?? 'crop'], background: '#000' })
        .removeAlpha();
      if (channels === 1) image = image.greyscale();
      const { data: raw, info } = await image.raw().toBuffer({ resolveWithObject: true });
      for (let p = 0, i = 0; p < frameBytes; p += channels, i += info.channels) {
        for (let c = 0; c < channels; c++) data[position * frameBytes + p + c] = raw[i + c] as number;
      }
    } catch (error) {
      throw new VideoReadError(
        file,
        `${file}: cannot read this frame image (${(error as Error).message}); replace or remove it`,
      );
    }
  }
  return {
    data,
    shape: [options.frames, options.height, options.width, channels],
    indices,
    sourceFrames: files.length,
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
