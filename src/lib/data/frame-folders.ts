/**
 * Frame-sequence folders: numbered PNG/JPG frames per sequence, in
 * `<class>/<sequence>/`, `<subject>/<class>/<sequence>/` or
 * `<split>/<subject>/<class>/<sequence>/` (depth decides). The group is the
 * subject when there is one, else the sequence name minus its take number.
 */
import * as path from 'node:path';

import {
  DatasetError,
  IMAGE_EXTENSIONS,
  makeDataset,
  type Split,
  SPLITS,
  type VideoDataset,
  type VideoItem,
} from './types';
import { hasExtension, listDir, requireFolder, stemGroup } from './walk';

/** Folders under `root` (up to 4 deep) that directly hold image files, with their depth. */
export function findFrameFolders(
  root: string,
  warnings?: string[],
): Array<{ dir: string; parts: string[]; frames: string[] }> {
  const found: Array<{ dir: string; parts: string[]; frames: string[] }> = [];
  const visit = (dir: string, parts: string[]): void => {
    const entries = listDir(dir, warnings);
    const frames = entries.filter((e) => !e.isDir && hasExtension(e.name, IMAGE_EXTENSIONS)).map((e) => e.path);
    if (frames.length && parts.length >= 2) found.push({ dir, parts, frames });
    if (parts.length < 4) for (const e of entries) if (e.isDir) visit(e.path, [...parts, e.name]);
  };
  visit(root, []);
  return found;
}

export function readFrameFolders(root: string): VideoDataset {
  const dir = requireFolder(root);
  const warnings: string[] = [];
  const items: VideoItem[] = [];
  for (const { dir: seqDir, parts, frames } of findFrameFolders(dir, warnings)) {
    const sequence = parts[parts.length - 1] as string;
    const label = parts[parts.length - 2] as string;
    const subject = parts.length >= 3 ? (parts[parts.length - 3] as string) : undefined;
    const top = parts[0]?.toLowerCase();
    const split = parts.length === 4 && (SPLITS as readonly string[]).includes(top ?? '') ? (top as Split) : undefined;
    items.push({
      path: seqDir,
      label,
      group: subject ?? stemGroup(sequence),
      split,
      kind: 'frames',
      frameFiles: frames,
    });
  }
  if (items.length === 0) {
    throw new DatasetError(
      `${dir}: no frame folders found (expected ${path.join(dir, '<class>', '<sequence>', '0001.png')})`,
    );
  }
  return makeDataset(dir, 'frame-folders', items, warnings);
}
