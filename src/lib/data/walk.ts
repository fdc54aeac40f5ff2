/** Small synchronous folder helpers shared by the layout readers. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DatasetError } from './types';

/** Throws a {@link DatasetError} naming `root` when it is not a readable folder. */
export function requireFolder(root: string): string {
  const full = path.resolve(root);
  if (!fs.existsSync(full))
    throw new DatasetError(`dataset folder ${full} not found; check the path (or run "actlab synth --out ${root}")`);
  if (!fs.statSync(full).isDirectory())
    throw new DatasetError(`${full} is a file, not a dataset folder; pass the folder that holds the class folders`);
  try {
    fs.accessSync(full, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new DatasetError(
      `${full}: permission denied, this user cannot list the dataset folder; make it readable (chmod a+rx) or run as its owner`,
    );
  }
  return full;
}

/** One line for a folder that cannot be listed: the cause and the fix, never a stack trace. */
export function unlistableReason(dir: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM')
    return `${dir}: permission denied, cannot list this folder; make it readable (chmod a+rx) or remove it; its files are skipped`;
  if (code === 'ENOTDIR') return `${dir}: is a file where a folder is expected; move it away; skipped`;
  return `${dir}: cannot list this folder (${(error as Error).message}); skipped`;
}

export interface Entry {
  readonly name: string;
  readonly path: string;
  readonly isDir: boolean;
}

/**
 * Folder entries sorted by name, hidden files left out. Names that are not
 * valid UTF-8 cannot be opened through a JS string: they are reported, not
 * listed. A folder that cannot be listed (permissions) is one warning and no entries.
 */
export function listDir(dir: string, warnings?: string[]): Entry[] {
  const out: Entry[] = [];
  let raws: fs.Dirent<Buffer>[];
  try {
    raws = fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    warnings?.push(unlistableReason(dir, error));
    return out;
  }
  for (const raw of raws) {
    const name = raw.name.toString('utf8');
    if (name.startsWith('.')) continue;
    if (!Buffer.from(name, 'utf8').equals(raw.name)) {
      warnings?.push(`${path.join(dir, name)}: file name is not valid UTF-8 (shown with �); rename it to read it`);
      continue;
    }
    const full = path.join(dir, name);
    const isDir = raw.isDirectory() || (raw.isSymbolicLink() && statOrUndefined(full)?.isDirectory() === true);
    out.push({ name, path: full, isDir });
  }
  return out.sort((a, b) => naturalCompare(a.name, b.name));
}

/** `frame2` before `frame10`: numbers compare by value, so frame order is playback order. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function hasExtension(name: string, extensions: readonly string[]): boolean {
  return extensions.includes(path.extname(name).toLowerCase());
}

/** `a01_grow_t2` → `a01_grow`, `clip_007` → `clip`: a stem without its take number, as a default group. */
export function stemGroup(name: string): string {
  return path.basename(name, path.extname(name)).replace(/[_-]?(t|take|c)?\d+$/i, '') || name;
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined; // a broken or forbidden link: listed as a file, reported when it is read
  }
}
