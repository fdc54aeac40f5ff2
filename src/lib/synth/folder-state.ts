/**
 * What `synth` finds in the folder it was told to write: nothing, its own
 * finished or unfinished set, or files it did not write. It only ever writes
 * into the first two, so a dataset the user had is never overwritten.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { manifestFiles, rendererVersionOf, type SynthManifest, type SynthSettings } from './manifest';

/** Written before the first clip and removed once `manifest.json` is: marks a set synth has started. */
export const PENDING_FILE = '.actlab-synth-pending.json';

/** The contents of {@link PENDING_FILE}: enough to resume the set or to remove what it wrote. */
export interface SynthPending {
  readonly format: 'actlab-synth-pending';
  readonly renderer: number;
  readonly options: SynthSettings;
  /** Every file the set will hold (clips, masks, scenes), relative and `/`-separated. */
  readonly paths: readonly string[];
}

export type SynthFolderState =
  /** Missing, or holds only hidden files. */
  | { readonly kind: 'empty' }
  /** A finished set with these settings and this renderer. */
  | { readonly kind: 'complete'; readonly manifest: SynthManifest }
  /** A set with these settings that stopped before its manifest: its finished clips are kept. */
  | { readonly kind: 'unfinished' }
  /** A set synth wrote with other settings or an older renderer; `differences` says which. */
  | { readonly kind: 'other-settings'; readonly differences: string; readonly paths: readonly string[] }
  /** Holds files synth cannot show it wrote (`example` is one of them). */
  | { readonly kind: 'foreign'; readonly example: string };

/** Reads `dir` to decide whether (and how) a set with `settings` may be written there. */
export function inspectSynthFolder(dir: string, settings: SynthSettings): SynthFolderState {
  if (!fs.existsSync(dir)) return { kind: 'empty' };
  if (!fs.statSync(dir).isDirectory()) return { kind: 'foreign', example: dir };
  const manifest = readOwnFile<SynthManifest>(path.join(dir, 'manifest.json'), 'actlab-synth');
  const pending = readOwnFile<SynthPending>(path.join(dir, PENDING_FILE), 'actlab-synth-pending');
  const recorded = pending ?? manifest;
  if (recorded === 'foreign') return { kind: 'foreign', example: path.join(dir, 'manifest.json') };
  if (recorded === undefined) {
    const visible = fs.readdirSync(dir).filter((name) => !name.startsWith('.'));
    return visible.length === 0
      ? { kind: 'empty' }
      : { kind: 'foreign', example: path.join(dir, visible[0] as string) };
  }
  const differences = describeDifferences(recorded.renderer, recorded.options, settings);
  const paths = 'paths' in recorded ? recorded.paths : manifestFiles(recorded);
  if (differences) return { kind: 'other-settings', differences, paths };
  if (recorded === pending) return { kind: 'unfinished' };
  return { kind: 'complete', manifest: recorded as SynthManifest };
}

/**
 * Deletes the clips a set synth wrote (listed in its manifest or pending
 * file), their unfinished temp files, and the class folders that leaves empty.
 * Files synth did not list stay.
 */
export function removeSynthClips(dir: string, paths: readonly string[]): void {
  fs.rmSync(path.join(dir, 'manifest.json'), { force: true });
  const folders = new Set<string>();
  for (const relative of paths) {
    const clip = path.resolve(dir, relative);
    if (!clip.startsWith(dir + path.sep)) continue; // never outside the dataset
    fs.rmSync(clip, { force: true });
    folders.add(path.dirname(clip));
  }
  for (const folder of folders) removeTempClips(folder);
  for (const folder of folders) {
    if (fs.existsSync(folder) && fs.readdirSync(folder).length === 0) fs.rmdirSync(folder);
  }
  fs.rmSync(path.join(dir, PENDING_FILE), { force: true });
}

/** Deletes the `*.partial-PID` files a killed encoder left in `folder` (see `encodeFrames`). */
export function removeTempClips(folder: string): void {
  if (!fs.existsSync(folder)) return;
  for (const name of fs.readdirSync(folder)) {
    if (/\.partial-\d+$/.test(name)) fs.rmSync(path.join(folder, name), { force: true });
  }
}

/** `undefined` when absent, `'foreign'` when present but not written by synth. */
function readOwnFile<T extends { format: string }>(file: string, format: string): T | 'foreign' | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    return value.format === format ? value : 'foreign';
  } catch {
    return 'foreign';
  }
}

function describeDifferences(
  renderer: number | undefined,
  recorded: Partial<SynthSettings> | undefined,
  wanted: SynthSettings,
): string {
  const parts: string[] = [];
  const version = rendererVersionOf(wanted);
  if (renderer !== version) parts.push(`renderer ${renderer ?? 'unversioned'} vs ${version}`);
  const keys = new Set([...Object.keys(wanted), ...Object.keys(recorded ?? {})]) as Set<keyof SynthSettings>;
  for (const key of keys) {
    const before = JSON.stringify(recorded?.[key]);
    const now = JSON.stringify(wanted[key]);
    if (before !== now) parts.push(`${key} ${before ?? 'unset'} vs ${now}`);
  }
  return parts.join(', ');
}
