/**
 * The one module that knows where ffmpeg/ffprobe live and that starts them.
 * Every call is a direct spawn with explicit arguments: frames stream through
 * pipes with backpressure, and a Ctrl-C stops every child (see README, "Why
 * no fluent-ffmpeg").
 *
 * Binaries are looked up in this order: `ACTLAB_FFMPEG` / `ACTLAB_FFPROBE`,
 * the copies shipped inside `@ffmpeg-installer/*` / `@ffprobe-installer/*`,
 * then `ffmpeg` / `ffprobe` on PATH.
 */
import { type ChildProcess, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';

export type ToolName = 'ffmpeg' | 'ffprobe';

export interface ToolInfo {
  readonly tool: ToolName;
  /** Absolute path, or the bare command name when taken from PATH. */
  readonly path: string;
  /** Where it came from. */
  readonly source: 'env' | 'npm package' | 'PATH';
  /** `ffmpeg version 6.0` style: the first three words of `-version`. */
  readonly version: string;
}

/** ffmpeg or ffprobe cannot be found or does not run. */
export class FfmpegMissingError extends Error {
  override name = 'FfmpegMissingError';
}

const ENV_VARS: Record<ToolName, string> = { ffmpeg: 'ACTLAB_FFMPEG', ffprobe: 'ACTLAB_FFPROBE' };
const INSTALLERS: Record<ToolName, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};
const cache = new Map<ToolName, ToolInfo>();
/** Children started by spawnTool that have not closed yet, for stopAllTools. */
const running = new Set<ChildProcess>();
/** Why spawnTool refuses to start more, once stopAllTools ran. */
let stopped: string | undefined;

/** Finds a working ffmpeg or ffprobe (cached), or throws {@link FfmpegMissingError} saying how to get one. */
export function locateTool(tool: ToolName): ToolInfo {
  const cached = cache.get(tool);
  if (cached) return cached;
  const tried: string[] = [];
  for (const [candidate, source] of candidates(tool)) {
    const version = versionLine(candidate);
    if (version) {
      const info: ToolInfo = { tool, path: candidate, source, version };
      cache.set(tool, info);
      return info;
    }
    tried.push(
      `${candidate} (${source}${notExecutable(candidate) ? `: not executable by this user; run "chmod a+x ${candidate}"` : ''})`,
    );
  }
  throw new FfmpegMissingError(
    `${tool} not found or not runnable (tried ${tried.join(', ') || 'nothing'}). ` +
      `Reinstall with "npm ci" (it ships ${INSTALLERS[tool]}), install ${tool} system-wide, ` +
      `or set ${ENV_VARS[tool]}=/path/to/${tool}.`,
  );
}

/**
 * Starts ffmpeg or ffprobe with `args` (frames in via stdin, frames out via
 * stdout with backpressure), tracked so {@link stopAllTools} can stop it.
 * `-hide_banner -nostdin` style flags are the caller's choice.
 */
export function spawnTool(tool: ToolName, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  if (stopped) throw new Error(`${tool} not started: ${stopped}`);
  const child = spawn(locateTool(tool).path, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  running.add(child);
  child.once('close', () => running.delete(child));
  return child;
}

/**
 * Kills every ffmpeg/ffprobe child this process started that is still
 * running, and makes later {@link spawnTool} calls throw `reason`. For a
 * CLI's Ctrl-C handler, just before the process exits; returns how many were killed.
 */
export function stopAllTools(reason = 'interrupted'): number {
  stopped = reason;
  let killed = 0;
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) killed++;
  running.clear();
  return killed;
}

function candidates(tool: ToolName): Array<[string, ToolInfo['source']]> {
  const list: Array<[string, ToolInfo['source']]> = [];
  const fromEnv = process.env[ENV_VARS[tool]];
  if (fromEnv) return [[fromEnv, 'env']]; // an explicit choice is the only one tried
  const bundled = installerPath(tool);
  if (bundled) list.push([bundled, 'npm package']);
  list.push([tool, 'PATH']);
  return list;
}

function installerPath(tool: ToolName): string | undefined {
  try {
    const found = (require(INSTALLERS[tool]) as { path?: string }).path;
    return found && fs.existsSync(found) ? found : undefined;
  } catch {
    return undefined; // no build for this platform: fall back to PATH
  }
}

/** True when `file` exists but this user may not run it (e.g. a package unpacked as 0744 by root). */
function notExecutable(file: string): boolean {
  if (!file.includes('/') || !fs.existsSync(file)) return false;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return false;
  } catch {
    return true;
  }
}

/**
 * Makes the bundled ffmpeg/ffprobe executable by every user (`@ffprobe-installer`
 * unpacks as 0744, so only its owner could run it). Run at install time
 * (`npm ci` → prepare); returns the files it changed.
 */
export function ensureBundledToolsExecutable(): string[] {
  const changed: string[] = [];
  for (const tool of ['ffmpeg', 'ffprobe'] as const) {
    const file = installerPath(tool);
    if (!file) continue;
    try {
      const mode = fs.statSync(file).mode;
      if ((mode & 0o111) !== 0o111) {
        fs.chmodSync(file, mode | 0o111);
        changed.push(file);
      }
    } catch {
      // not ours to change: locateTool's message says what to run
    }
  }
  return changed;
}

function versionLine(binary: string): string | undefined {
  const run = spawnSync(binary, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (run.status !== 0) return undefined;
  return run.stdout.split('\n')[0]?.trim().split(/\s+/).slice(0, 3).join(' ');
}
