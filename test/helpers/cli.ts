import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The repository root (tests compile to out/test-build/test/...). */
export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
/** The built CLI; ACTLAB_TEST_CLI points tests at another build (e.g. one compiled into out/). */
export const CLI = process.env.ACTLAB_TEST_CLI ?? path.join(ROOT, 'dist', 'cli', 'main.js');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `actlab` CLI in a child process with extra environment variables. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): CliRun {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  // The longest call is the whole tutorial (15 chapters, about 15 minutes on 2 cores): room for a slow machine.
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, env: merged, encoding: 'utf8', timeout: 35 * 60_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** True when `require('@tensorflow/tfjs-node')` would load here. */
export function tfjsNodeInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node', { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}
