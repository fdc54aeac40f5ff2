/**
 * Raw frames in, a real video file out: frames are piped to ffmpeg's stdin so
 * nothing touches disk but the encoded file (written to a temp name, then renamed).
 */
import * as fs from 'node:fs';

import { spawnTool } from './ffmpeg';

export interface EncodeOptions {
  /** Frame width in pixels; even, because yuv420p halves chroma. */
  readonly width: number;
  /** Frame height in pixels; even. */
  readonly height: number;
  /** Frames per second written in the container. @default 8 */
  readonly fps?: number;
  /** x264 constant rate factor: lower is closer to the input. @default 12 */
  readonly crf?: number;
}

/**
 * Encodes RGB frames (`[H,W,3]` uint8, row-major, one Uint8Array per frame) to
 * an H.264 yuv420p MP4 at `file`. Single-threaded x264 so output bytes are
 * reproducible and two encoders share two cores.
 */
export async function encodeFrames(file: string, frames: readonly Uint8Array[], options: EncodeOptions): Promise<void> {
  const { width, height, fps = 8, crf = 12 } = options;
  if (width % 2 !== 0 || height % 2 !== 0 || width < 2 || height < 2) {
    throw new Error(`cannot encode ${file}: size ${width}x${height} must be even (yuv420p); use e.g. 32x32`);
  }
  const frameBytes = width * height * 3;
  for (const [i, frame] of frames.entries()) {
    if (frame.length !== frameBytes) {
      throw new Error(`cannot encode ${file}: frame ${i} has ${frame.length} bytes, expected ${frameBytes} (RGB)`);
    }
  }
  // The temp name must not end in a video extension: a killed encoder's leftover is not a clip.
  const temp = `${file}.partial-${process.pid}`;
  // prettier-ignore
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0',
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(crf), '-pix_fmt', 'yuv420p',
    '-threads', '1', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags', '+bitexact',
    '-f', 'mp4', temp,
  ];
  const child = spawnTool('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const stdin = child.stdin;
  if (!stdin) throw new Error('ffmpeg stdin is not a pipe');
  stdin.on('error', () => undefined); // an early ffmpeg exit is reported from its exit code below
  for (const frame of frames) {
    if (!stdin.write(frame)) await new Promise((resolve) => stdin.once('drain', resolve));
  }
  stdin.end();
  const code = await exited;
  if (code !== 0) {
    fs.rmSync(temp, { force: true });
    throw new Error(`ffmpeg failed to encode ${file} (exit ${code}): ${stderr.trim().slice(-500)}`);
  }
  fs.renameSync(temp, file);
}
