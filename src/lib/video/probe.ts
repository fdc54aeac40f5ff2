/** What ffprobe says about one video file, or an error naming the file and the fix. */
import * as fs from 'node:fs';

import { spawnTool } from './ffmpeg';

export interface VideoInfo {
  readonly path: string;
  /** Seconds. */
  readonly duration: number;
  /** Average frames per second. */
  readonly fps: number;
  /** Frames in the first video stream (counted by decoding when `countFrames`, else from the container). */
  readonly frames: number;
  /** Stored width in pixels (before rotation). */
  readonly width: number;
  readonly height: number;
  /** Codec name, e.g. `h264`. */
  readonly codec: string;
  /** Display rotation in degrees (0, 90, 180, 270); ffmpeg applies it when decoding. */
  readonly rotation: number;
  /** File size in bytes. */
  readonly bytes: number;
}

export interface ProbeOptions {
  /** Decode the stream to count frames exactly (slower; needed when the container has no count). @default false */
  readonly countFrames?: boolean;
  readonly signal?: AbortSignal;
}

/** The file is missing, empty, corrupt or not a video; the message says which and what to do. */
export class VideoReadError extends Error {
  override name = 'VideoReadError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The file's size, after checking this user can read it; throws a
 * {@link VideoReadError} whose fix fits the cause (missing, a folder, or a
 * permission problem, which re-encoding would not cure).
 */
export function requireReadable(file: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
    if (stat.isDirectory())
      throw new VideoReadError(file, `${file}: is a folder, not a video file; move it out of the class folder`);
    fs.accessSync(file, fs.constants.R_OK);
  } catch (error) {
    if (error instanceof VideoReadError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      const who = process.getuid ? `user ${process.getuid()}` : 'this user';
      throw new VideoReadError(
        file,
        `${file}: permission denied (${who} cannot read it); make it readable (chmod a+r) or run as its owner`,
      );
    }
    throw new VideoReadError(file, `${file}: file not found; check the path or re-run the step that creates it`);
  }
  return stat.size;
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  duration?: string;
  tags?: { rotate?: string };
  side_data_list?: Array<{ rotation?: number }>;
}

/** Runs ffprobe on `file`. Throws {@link VideoReadError} for missing, empty, corrupt or non-video files. */
export async function probe(file: string, options: ProbeOptions = {}): Promise<VideoInfo> {
  const bytes = requireReadable(file);
  if (bytes === 0) {
    throw new VideoReadError(
      file,
      `${file}: file is empty (0 bytes), probably a failed download; delete or re-download it`,
    );
  }
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams'];
  if (options.countFrames) args.push('-count_frames');
  args.push('-select_streams', 'v:0', file);
  const { code, stdout, stderr } = await runCollect(spawnTool('ffprobe', args, { signal: options.signal }));
  if (code !== 0) {
    throw new VideoReadError(
      file,
      `${file}: ffprobe cannot read it (${firstLine(stderr) || `exit ${code}`}); the file is corrupt or not a video: re-encode or remove it`,
    );
  }
  const parsed = JSON.parse(stdout) as { streams?: FfprobeStream[]; format?: { duration?: string } };
  const stream = parsed.streams?.find((s) => s.codec_type === 'video');
  if (!stream || !stream.width || !stream.height) {
    throw new VideoReadError(file, `${file}: has no video stream; remove it from the dataset folder`);
  }
  const fps = rate(stream.avg_frame_rate) || rate(stream.r_frame_rate);
  const duration = Number(stream.duration ?? parsed.format?.duration ?? NaN);
  const counted = Number(stream.nb_read_frames ?? stream.nb_frames ?? NaN);
  const frames = Number.isFinite(counted) && counted > 0 ? counted : Math.round((duration || 0) * fps);
  return {
    path: file,
    duration: Number.isFinite(duration) ? duration : fps > 0 ? frames / fps : 0,
    fps,
    frames,
    width: stream.width,
    height: stream.height,
    codec: stream.codec_name ?? 'unknown',
    rotation: rotationOf(stream),
    bytes,
  };
}

function rotationOf(stream: FfprobeStream): number {
  const fromTag = Number(stream.tags?.rotate);
  const fromSide = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const degrees = Number.isFinite(fromTag) ? fromTag : fromSide !== undefined ? -fromSide : 0;
  return ((Math.round(degrees) % 360) + 360) % 360;
}

function rate(text: string | undefined): number {
  if (!text) return 0;
  const [num, den] = text.split('/').map(Number);
  if (!num || !Number.isFinite(num)) return 0;
  return den ? num / den : num;
}

function firstLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

/** Waits for a child process, collecting its text output. */
export function runCollect(
  child: import('node:child_process').ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
