/**
 * Runs the built CLI without blocking the event loop: needed when the test
 * process itself serves the HTTP/S3 server the CLI talks to (spawnSync would
 * deadlock).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { CLI, tempDir } from './fixtures';

export interface AsyncRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node dist/cli/main.js ...args`, killed after `timeoutMs`. */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<AsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let base: string | undefined;
let count = 0;

/** A new empty folder under one temp folder per process (removed at exit; one exit hook, not one per folder). */
export function freshDir(): string {
  base ??= tempDir('actlab-data-test-');
  const dir = path.join(base, String(count++));
  fs.mkdirSync(dir);
  return dir;
}
