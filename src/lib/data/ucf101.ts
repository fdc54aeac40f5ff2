/**
 * UCF101: `v_<Class>_g<GG>_c<CC>.avi` (in class folders or flat) with
 * `classInd.txt`, `trainlist0N.txt` and `testlist0N.txt` in the root or in
 * `ucfTrainTestlist/`. The group is `gGG`: the official splits keep each
 * group (same people, same scene) on one side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DatasetError, makeDataset, type Split, VIDEO_EXTENSIONS, type VideoDataset, type VideoItem } from './types';
import { hasExtension, listDir, requireFolder } from './walk';

export interface Ucf101Options {
  /** Which official split (1, 2 or 3). @default 1 */
  readonly split?: number;
}

export const UCF101_NAME = /^v_([A-Za-z0-9]+)_g(\d+)_c(\d+)\.[A-Za-z0-9]+$/;

/** Folder holding classInd.txt, or undefined. */
export function findUcfListDir(root: string): string | undefined {
  for (const dir of [root, path.join(root, 'ucfTrainTestlist')]) {
    if (fs.existsSync(path.join(dir, 'classInd.txt'))) return dir;
  }
  return undefined;
}

export function readUcf101(root: string, options: Ucf101Options = {}): VideoDataset {
  const dir = requireFolder(root);
  const listDirPath = findUcfListDir(dir);
  if (!listDirPath)
    throw new DatasetError(
      `${dir}: classInd.txt not found here or in ucfTrainTestlist/; unpack UCF101TrainTestSplits into it`,
    );
  const n = options.split ?? 1;
  const warnings: string[] = [];
  const classFile = path.join(listDirPath, 'classInd.txt');
  const classes = lines(classFile).map((line, i) => {
    const [index, name] = line.split(/\s+/);
    if (!name || Number(index) !== i + 1)
      throw new DatasetError(`${classFile}:${i + 1}: expected "${i + 1} <ClassName>", got "${line}"`);
    return name;
  });
  const splitOf = new Map<string, Split>(); // file name → split
  for (const [split, name] of [
    ['train', `trainlist0${n}.txt`],
    ['test', `testlist0${n}.txt`],
  ] as const) {
    const file = path.join(listDirPath, name);
    if (!fs.existsSync(file))
      throw new DatasetError(`${file} not found; split ${n} needs both trainlist0${n}.txt and testlist0${n}.txt`);
    lines(file).forEach((line, i) => {
      const rel = line.split(/\s+/)[0] as string;
      const base = path.basename(rel);
      const match = UCF101_NAME.exec(base);
      if (!match || !classes.includes(match[1] as string)) {
        throw new DatasetError(
          `${file}:${i + 1}: "${rel}" is not v_<Class>_gGG_cCC.avi with a class from classInd.txt; the split files do not match this dataset`,
        );
      }
      const previous = splitOf.get(base);
      if (previous && previous !== split)
        throw new DatasetError(
          `${file}:${i + 1}: ${base} is also in the ${previous} list; the split files are mismatched`,
        );
      splitOf.set(base, split);
    });
  }
  const items: VideoItem[] = [];
  const visit = (folder: string): void => {
    for (const entry of listDir(folder, warnings)) {
      if (entry.isDir) {
        if (entry.path !== listDirPath) visit(entry.path);
        continue;
      }
      if (!hasExtension(entry.name, VIDEO_EXTENSIONS)) continue;
      const match = UCF101_NAME.exec(entry.name);
      if (!match) {
        warnings.push(`${entry.path}: skipped, name is not v_<Class>_gGG_cCC.avi`);
        continue;
      }
      const label = match[1] as string;
      if (!classes.includes(label)) {
        warnings.push(`${entry.path}: skipped, class ${label} is not in ${classFile}`);
        continue;
      }
      const split = splitOf.get(entry.name);
      if (!split)
        warnings.push(`${entry.path}: in neither trainlist0${n}.txt nor testlist0${n}.txt; left without a split`);
      items.push({ path: entry.path, label, group: `g${match[2]}`, split, kind: 'video' });
    }
  };
  visit(dir);
  const present = new Set(items.map((item) => path.basename(item.path)));
  const missing = [...splitOf.keys()].filter((name) => !present.has(name));
  if (missing.length)
    warnings.push(
      `${missing.length} file(s) named in the split lists are missing, e.g. ${missing.slice(0, 3).join(', ')}`,
    );
  // Official lists keep a group on one side; a custom list that breaks this would leak people across splits.
  const sides = new Map<string, Set<Split>>();
  for (const item of items) if (item.split) sides.set(item.group, (sides.get(item.group) ?? new Set()).add(item.split));
  for (const [group, splits] of sides) {
    if (splits.size > 1)
      throw new DatasetError(
        `${listDirPath}: group ${group} is in both train and test lists of split ${n}; the split files are mismatched (fix them or use the official ones)`,
      );
  }
  if (items.length === 0) throw new DatasetError(`${dir}: no v_<Class>_gGG_cCC video files found`);
  return makeDataset(dir, 'ucf101', items, warnings, [...classes].sort());
}

function lines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}
