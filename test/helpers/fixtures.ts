/** Tiny real inputs made on the fly with the bundled ffmpeg, and a CLI runner. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { generateSyntheticDataset } from '../../src/lib/synth';
import { locateTool } from '../../src/lib/video/ffmpeg';

/** A fresh temp folder, removed when the process exits. */
export function tempDir(prefix = 'actlab-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestVideoOptions {
  readonly frames?: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** ffmpeg encoder. @default 'libx264' (mpeg4 for .avi) */
  readonly codec?: string;
}

/** Encodes `frames` of ffmpeg's testsrc pattern to `file` (format from the extension). */
export function makeTestVideo(file: string, options: TestVideoOptions = {}): string {
  const { frames = 10, width = 48, height = 32, fps = 10 } = options;
  const codec = options.codec ?? (file.endsWith('.avi') ? 'mpeg4' : 'libx264');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // prettier-ignore
  const args = [
    '-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`,
    '-frames:v', String(frames), '-c:v', codec, '-pix_fmt', 'yuv420p', '-threads', '1', file,
  ];
  const run = spawnSync(locateTool('ffmpeg').path, args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`could not make ${file}: ${run.stderr}`);
  return file;
}

/** The built CLI; ACTLAB_TEST_CLI points tests at another build (e.g. one compiled into out/). */
export const CLI =
  process.env.ACTLAB_TEST_CLI ?? path.resolve(__dirname, '..', '..', '..', '..', 'dist', 'cli', 'main.js');

/** Runs `node dist/cli/main.js ...args`; returns exit code and output. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The last non-empty stdout line parsed as JSON (the --json contract). */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] as string) as T;
}

/** A fresh synthetic set for extraction tests: 4 classes x 12 clips of 8 frames at 16x16, 4 actors. */
export async function makeExtractDataset(): Promise<string> {
  const root = tempDir();
  await generateSyntheticDataset({
    out: root,
    classes: ['move_left', 'move_up', 'grow', 'rotate_cw'],
    perClass: 12,
    actors: 4,
    frames: 8,
    width: 16,
    height: 16,
  });
  return root;
}
