/**
 * Folder-per-class layouts: `ROOT/<class>/<file>` (HMDB51, the synthetic set,
 * image folders), optionally under `ROOT/{train,val,test}/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  DatasetError,
  IMAGE_EXTENSIONS,
  type ItemKind,
  makeDataset,
  type Split,
  SPLITS,
  VIDEO_EXTENSIONS,
  type VideoDataset,
  type VideoItem,
} from './types';
import { hasExtension, listDir, requireFolder, stemGroup } from './walk';

interface SynthManifestLike {
  format?: string;
  classes?: string[];
  items?: Array<{ path: string; label: string; group: string; split: Split }>;
}

/**
 * Videos in class folders. With an actlab `manifest.json` its labels, groups
 * and splits are used; otherwise the group is the file name minus its take number.
 */
export function readVideoFolders(root: string): VideoDataset {
  return readClassFolders(root, 'folder', 'video', VIDEO_EXTENSIONS);
}

/** Still images in class folders (`kind: 'image'`). */
export function readImageFolders(root: string): VideoDataset {
  return readClassFolders(root, 'image-folder', 'image', IMAGE_EXTENSIONS);
}

function readClassFolders(root: string, layout: string, kind: ItemKind, extensions: readonly string[]): VideoDataset {
  const dir = requireFolder(root);
  const warnings: string[] = [];
  const manifest = readManifest(dir);
  const top = listDir(dir, warnings).filter((e) => e.isDir);
  const splitFolders = top.length > 0 && top.every((e) => (SPLITS as readonly string[]).includes(e.name));
  const items: VideoItem[] = [];
  const classes = new Set<string>();
  for (const [splitDir, split] of splitFolders
    ? top.map((e) => [e.path, e.name as Split] as const)
    : [[dir, undefined] as const]) {
    for (const classDir of listDir(splitDir, warnings)) {
      if (!classDir.isDir) continue;
      let count = 0;
      for (const file of listDir(classDir.path, warnings)) {
        if (file.isDir) continue;
        if (!hasExtension(file.name, extensions)) {
          warnings.push(`${file.path}: skipped, extension is not one of ${extensions.join(' ')}`);
          continue;
        }
        const rel = path.relative(dir, file.path).split(path.sep).join('/');
        const known = manifest?.get(rel);
        items.push({
          path: file.path,
          label: classDir.name,
          group: known?.group ?? stemGroup(file.name),
          split: known?.split ?? split,
          kind,
        });
        count++;
      }
      // A class no item feeds would still get an output unit the model can never learn.
      if (count > 0) classes.add(classDir.name);
      else
        warnings.push(
          `${classDir.path}: class folder has no ${kind} files, so it is not a class; add some or delete the folder`,
        );
    }
  }
  if (items.length === 0) {
    throw new DatasetError(
      `${dir}: no ${kind} files found in class folders (expected ${dir}/<class>/<name>${extensions[0]}); ` +
        'check the folder, or pass --layout for another layout',
    );
  }
  return makeDataset(dir, layout, items, warnings, [...classes].sort());
}

function readManifest(dir: string): Map<string, { group: string; split: Split }> | undefined {
  const file = path.join(dir, 'manifest.json');
  if (!fs.existsSync(file)) return undefined;
  let parsed: SynthManifestLike;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as SynthManifestLike;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new DatasetError(`${file}: is a folder, not the dataset's manifest; move it away`);
    if (code === 'EACCES') throw new DatasetError(`${file}: permission denied; make it readable (chmod a+r)`);
    throw new DatasetError(`${file}: not valid JSON (${(error as Error).message}); fix or delete it`);
  }
  return new Map((parsed.items ?? []).map((item) => [item.path, { group: item.group, split: item.split }]));
}
