/**
 * Folder-per-class layouts: `ROOT/<class>/<file>` (HMDB51, the synthetic set,
 * image folders), optionally under `ROOT/{train,val,test,swapped}/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  ALL_SPLITS,
  DatasetError,
  IMAGE_EXTENSIONS,
  type ItemKind,
  makeDataset,
  type Split,
  VIDEO_EXTENSIONS,
  type VideoDataset,
  type VideoItem,
} from './types';
import { hasExtension, listDir, requireFolder, stemGroup } from './walk';

interface SynthManifestLike {
  format?: string;
  classes?: string[];
  items?: Array<{ path: string; label: string; group: string; split: Split; mask?: string }>;
  scenes?: Array<{ path: string; scene: string }>;
}

interface ManifestEntry {
  readonly group: string;
  readonly split: Split;
  readonly mask?: string;
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
  const splitFolders = top.length > 0 && top.every((e) => (ALL_SPLITS as readonly string[]).includes(e.name));
  const items: VideoItem[] = [];
  const classes = new Set<string>();
  for (const [splitDir, split] of splitFolders
    ? top.map((e) => [e.path, e.name as Split] as const)
    : [[dir, undefined] as const]) {
    for (const classDir of listDir(splitDir, warnings)) {
      if (!classDir.isDir || (splitDir === dir && manifest?.companions.has(classDir.name))) continue;
      let count = 0;
      const files = listDir(classDir.path, warnings).filter((f) => !f.isDir);
      requireOneKind(
        classDir.path,
        files.map((f) => f.name),
      );
      for (const file of files) {
        if (!hasExtension(file.name, extensions)) {
          warnings.push(`${file.path}: skipped, extension is not one of ${extensions.join(' ')}`);
          continue;
        }
        const rel = path.relative(dir, file.path).split(path.sep).join('/');
        const known = manifest?.items.get(rel);
        items.push({
          path: file.path,
          label: classDir.name,
          group: known?.group ?? stemGroup(file.name),
          split: known?.split ?? split,
          kind,
          ...(known?.mask ? { mask: manifestPath(dir, known.mask) } : {}),
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
  const dataset = makeDataset(dir, layout, items, warnings, [...classes].sort());
  return manifest?.scenes.length ? { ...dataset, scenes: manifest.scenes } : dataset;
}

/** A class folder of videos and images mixed is refused: a model takes clips or stills, not both. */
function requireOneKind(classDir: string, names: readonly string[]): void {
  const videos = names.filter((name) => hasExtension(name, VIDEO_EXTENSIONS)).length;
  const images = names.filter((name) => hasExtension(name, IMAGE_EXTENSIONS)).length;
  if (videos > 0 && images > 0) {
    throw new DatasetError(
      `${classDir} holds both videos (${videos}) and images (${images}): a dataset is one or the other; ` +
        'move one kind into a dataset folder of its own',
    );
  }
}

/** An absolute path for a manifest's `/`-separated relative path; one that leaves the folder is refused. */
function manifestPath(dir: string, relative: string): string {
  const resolved = path.resolve(dir, relative);
  if (!resolved.startsWith(dir + path.sep)) {
    throw new DatasetError(`${path.join(dir, 'manifest.json')}: path "${relative}" leaves ${dir}; fix the manifest`);
  }
  return resolved;
}

/**
 * The manifest's items and scenes, and its companion folders (those its
 * masks and scenes live in, e.g. `masks/`, `scenes/`): not class folders.
 */
function readManifest(
  dir: string,
): { items: Map<string, ManifestEntry>; scenes: VideoItem[]; companions: Set<string> } | undefined {
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
  const items = new Map(
    (parsed.items ?? []).map((item): [string, ManifestEntry] => [
      item.path,
      { group: item.group, split: item.split, ...(item.mask ? { mask: item.mask } : {}) },
    ]),
  );
  const scenes = (parsed.scenes ?? []).map((scene): VideoItem => ({
    path: manifestPath(dir, scene.path),
    label: scene.scene,
    group: scene.scene,
    kind: 'image',
  }));
  const companions = new Set(
    [
      ...(parsed.scenes ?? []).map((scene) => scene.path),
      ...[...items.values()].flatMap((item) => item.mask ?? []),
    ].map((relative) => relative.split('/')[0] as string),
  );
  return { items, scenes, companions };
}
