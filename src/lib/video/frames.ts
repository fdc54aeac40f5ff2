/**
 * Streams decoded frames out of ffmpeg through a pipe as typed arrays: one
 * frame in memory at a time, and ffmpeg waits (pipe backpressure) while the
 * consumer is busy. `readAllFrames` instead holds a short video whole, up to a byte limit.
 */
import { spawnTool } from './ffmpeg';
import { probe, VideoReadError } from './probe';

export type PixelFormat = 'rgb24' | 'gray';

/**
 * How a frame of another aspect ratio becomes `width x height`:
 * `stretch` scales each axis on its own; `crop` scales to cover then cuts the
 * centre; `pad` scales to fit then adds black borders.
 */
export type ResizePolicy = 'stretch' | 'crop' | 'pad';

export interface FrameStreamOptions {
  /** Output width in pixels. @default the video's (rotated) width */
  readonly width?: number;
  /** Output height in pixels. @default the video's (rotated) height */
  readonly height?: number;
  /** @default 'crop' */
  readonly resize?: ResizePolicy;
  /** `rgb24`: 3 channels; `gray`: 1 channel (luma). @default 'rgb24' */
  readonly pixelFormat?: PixelFormat;
  /** Resample to this frame rate (drops/duplicates frames); unset keeps every decoded frame. */
  readonly fps?: number;
  readonly signal?: AbortSignal;
}

export interface Frame {
  /** 0-based position in the output stream. */
  readonly index: number;
  /** `[H,W,C]` uint8, row-major, channels-last, 0..255. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
}

/** The ffmpeg arguments that decode `file` to raw frames on stdout. */
export function rawFrameArgs(
  file: string,
  size: { width: number; height: number } | undefined,
  options: FrameStreamOptions,
): string[] {
  const filters: string[] = [];
  if (options.fps !== undefined) filters.push(`fps=${options.fps}`);
  if (size) filters.push(...resizeFilters(size.width, size.height, options.resize ?? 'crop'));
  // prettier-ignore
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-threads', '1', '-i', file,
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    // Without fps resampling keep exactly the decoded frames, so counts match ffprobe.
    ...(options.fps === undefined ? ['-vsync', '0'] : []),
    '-an', '-f', 'rawvideo', '-pix_fmt', options.pixelFormat ?? 'rgb24', 'pipe:1',
  ];
}

function resizeFilters(width: number, height: number, policy: ResizePolicy): string[] {
  switch (policy) {
    case 'stretch':
      return [`scale=${width}:${height}:flags=area`];
    case 'crop':
      return [`scale=${width}:${height}:force_original_aspect_ratio=increase:flags=area`, `crop=${width}:${height}`];
    case 'pad':
      return [
        `scale=${width}:${height}:force_original_aspect_ratio=decrease:flags=area`,
        `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`,
      ];
    default:
      throw new Error(`resize policy must be stretch, crop or pad, got "${String(policy)}"`);
  }
}

/**
 * Decodes `file` frame by frame. Breaking out of the loop kills ffmpeg.
 * Throws {@link VideoReadError} when nothing decodes or ffmpeg fails.
 */
export async function* readFrames(file: string, options: FrameStreamOptions = {}): AsyncGenerator<Frame> {
  let { width, height } = options;
  if (width === undefined || height === undefined) {
    const info = await probe(file, { signal: options.signal });
    const turned = info.rotation === 90 || info.rotation === 270;
    width ??= turned ? info.height : info.width;
    height ??= turned ? info.width : info.height;
  }
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`frame size must be positive integers, got ${width}x${height}`);
  }
  const sized = options.width !== undefined && options.height !== undefined;
  const channels: 1 | 3 = options.pixelFormat === 'gray' ? 1 : 3;
  const frameBytes = width * height * channels;
  const child = spawnTool('ffmpeg', rawFrameArgs(file, sized ? { width, height } : undefined, options), {
    signal: options.signal,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code));
  });
  let pending = Buffer.alloc(0);
  let index = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= frameBytes) {
        const data = new Uint8Array(frameBytes);
        data.set(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        yield { index: index++, data, width, height, channels };
      }
    }
    finished = true;
  } finally {
    if (!finished && child.exitCode === null) child.kill('SIGKILL'); // consumer stopped early
  }
  const code = await exited;
  options.signal?.throwIfAborted();
  if (code !== 0 || index === 0) throw decodeError(file, stderr, code, index);
}

/** Every frame of a video at one size, back to back. */
export interface DecodedFrames {
  /** `[N,H,W,C]` uint8, row-major, channels-last, 0..255. */
  readonly data: Uint8Array;
  /** N: frames decoded (after fps resampling). */
  readonly frames: number;
}

/**
 * Decodes all of `file` at `width x height` in one ffmpeg pass into one
 * buffer, or resolves to undefined (and stops ffmpeg) as soon as the frames
 * pass `maxBytes`: the cheap path for short clips, with no per-frame objects.
 * Throws {@link VideoReadError} when nothing decodes or ffmpeg fails.
 */
export async function readAllFrames(
  file: string,
  options: FrameStreamOptions & { readonly width: number; readonly height: number },
  maxBytes: number,
): Promise<DecodedFrames | undefined> {
  const { width, height } = options;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`frame size must be positive integers, got ${width}x${height}`);
  }
  const frameBytes = width * height * (options.pixelFormat === 'gray' ? 1 : 3);
  const child = spawnTool('ffmpeg', rawFrameArgs(file, { width, height }, options), { signal: options.signal });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const chunks: Buffer[] = [];
  let bytes = 0;
  let tooLong = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (tooLong) return;
    bytes += chunk.length;
    if (Math.floor(bytes / frameBytes) * frameBytes > maxBytes) {
      tooLong = true;
      chunks.length = 0;
      child.kill('SIGKILL');
      return;
    }
    chunks.push(chunk);
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(null));
    child.on('close', (exit) => resolve(exit));
  });
  options.signal?.throwIfAborted();
  if (tooLong) return undefined;
  const frames = Math.floor(bytes / frameBytes);
  if (code !== 0 || frames === 0) throw decodeError(file, stderr, code, frames);
  return { data: Buffer.concat(chunks, frames * frameBytes), frames };
}

function decodeError(file: string, stderr: string, code: number | null, frames: number): VideoReadError {
  const why = stderr.trim().split('\n').pop() || (frames === 0 ? 'no frames decoded' : `exit ${code}`);
  return new VideoReadError(
    file,
    `${file}: ffmpeg cannot decode it (${why}); the file is corrupt or not a video: re-encode or remove it`,
  );
}

/**
 * Calls `visit` on each decoded frame in order (one frame in memory at a time)
 * and resolves to the number of frames. The callback form of {@link readFrames},
 * for tslab notebooks, where a top-level `for await` is a syntax error.
 */
export async function forEachFrame(
  file: string,
  options: FrameStreamOptions,
  visit: (frame: Frame) => void | Promise<void>,
): Promise<number> {
  let count = 0;
  for await (const frame of readFrames(file, options)) {
    await visit(frame);
    count++;
  }
  return count;
}
