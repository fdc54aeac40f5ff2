/** Lists the files of a folder to transfer, sorted, skipping actlab's own state folders. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LocalFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the folder, with forward slashes: the key suffix. */
  readonly relative: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Folders where older versions kept transfer state inside the dataset; never uploaded (state now lives in state-dir.ts). */
export const STATE_DIRS: readonly string[] = ['.actlab-upload', '.actlab-download'];

/** Every regular file under `dir` (recursively), sorted by relative path. */
export function listLocalFiles(dir: string): LocalFile[] {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`${root} is not a folder: give the folder to upload`);
  }
  const files: LocalFile[] = [];
  const visit = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (folder === root && STATE_DIRS.includes(entry.name)) continue;
        visit(full);
      } else if (entry.isFile()) {
        const stat = fs.statSync(full);
        files.push({
          path: full,
          relative: path.relative(root, full).split(path.sep).join('/'),
          size: stat.size,
          mtimeMs: Math.floor(stat.mtimeMs),
        });
      }
    }
  };
  visit(root);
  return files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}
