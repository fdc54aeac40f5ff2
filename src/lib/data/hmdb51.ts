/**
 * HMDB51: `ROOT/<class>/<video>.avi` with the official three splits as
 * `<class>_test_split<N>.txt` files (lines `<video> <0|1|2>`: 1 train, 2 test,
 * 0 not used in split N) in a splits folder, by default the
 * `testTrainMulti_7030_splits/` folder beside the class folders. The group is
 * the file name without its trailing clip number (`..._goo_0.avi` → `..._goo`):
 * clips cut from one source video, which the official splits keep on one side.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DatasetError, makeDataset, type Split, VIDEO_EXTENSIONS, type VideoDataset, type VideoItem } from './types';
import { type Entry, hasExtension, listDir, requireFolder } from './walk';

export interface Hmdb51Options {
  /** Folder holding `<class>_test_split<N>.txt`. @default the splits folder found beside the class folders */
  readonly splitsDir?: string;
  /** Which official split (1, 2 or 3). @default 1 */
  readonly split?: number;
}

const SPLIT_FILE = /^(.+)_test_split([123])\.txt$/;
const TAGS: Readonly<Record<string, Split | null>> = { '0': null, '1': 'train', '2': 'test' };

/** The splits folder beside the class folders of `root` (`testTrainMulti_7030_splits` or any folder of split files), or undefined. */
export function findHmdbSplitsDir(root: string): string | undefined {
  const dirs = listDir(root).filter((e) => e.isDir);
  const named = dirs.find((e) => /^testTrainMulti.*splits$/i.test(e.name));
  if (named) return named.path;
  return dirs.find((e) => listDir(e.path).some((f) => !f.isDir && SPLIT_FILE.test(f.name)))?.path;
}

/**
 * Reads HMDB51 with official split `split`. Videos tagged 0 (not used in that
 * split) are left out; videos in no split file are kept without a split and
 * reported, as are listed videos that are missing.
 */
export function readHmdb51(root: string, options: Hmdb51Options = {}): VideoDataset {
  const dir = requireFolder(root);
  const n = options.split ?? 1;
  if (!(n === 1 || n === 2 || n === 3)) throw new DatasetError(`HMDB51 split must be 1, 2 or 3, got ${n}`);
  const splitsDir = options.splitsDir ? path.resolve(options.splitsDir) : findHmdbSplitsDir(dir);
  if (!splitsDir || !fs.existsSync(splitsDir) || !fs.statSync(splitsDir).isDirectory()) {
    throw new DatasetError(
      `${options.splitsDir ? splitsDir : dir}: ${options.splitsDir ? 'splits folder not found' : 'no testTrainMulti_7030_splits/ folder here'}; ` +
        'unpack test_train_splits.rar beside the class folders or pass --split-dir DIR',
    );
  }
  const warnings: string[] = [];
  // class → (video file name → split or null for "not used"), with the list file for messages
  const lists = new Map<string, { file: string; tags: Map<string, Split | null> }>();
  for (const entry of listDir(splitsDir, warnings)) {
    const match = SPLIT_FILE.exec(entry.name);
    if (entry.isDir || !match || Number(match[2]) !== n) continue;
    const tags = new Map<string, Split | null>();
    fs.readFileSync(entry.path, 'utf8')
      .split(/\r?\n/)
      .forEach((raw, i) => {
        const line = raw.trim();
        if (!line) return;
        const [video, tag, extra] = line.split(/\s+/);
        const split = TAGS[tag ?? ''];
        if (!video || split === undefined || extra !== undefined) {
          throw new DatasetError(`${entry.path}:${i + 1}: expected "<video> <0|1|2>", got "${line}"`);
        }
        if (tags.has(video)) throw new DatasetError(`${entry.path}:${i + 1}: ${video} is listed twice`);
        tags.set(video, split);
      });
    lists.set(match[1] as string, { file: entry.path, tags });
  }
  if (lists.size === 0) {
    throw new DatasetError(
      `${splitsDir}: no <class>_test_split${n}.txt files; pass the folder of HMDB51's official split files`,
    );
  }

  const items: VideoItem[] = [];
  const classes = new Set<string>();
  let unused = 0;
  const classDirs = listDir(dir, warnings).filter((e) => e.isDir && e.path !== splitsDir);
  for (const classDir of classDirs) {
    const list = lists.get(classDir.name);
    const videos = listDir(classDir.path, warnings).filter((f) => !f.isDir && hasExtension(f.name, VIDEO_EXTENSIONS));
    if (!list) {
      if (videos.length)
        warnings.push(
          `${classDir.path}: no ${classDir.name}_test_split${n}.txt in ${splitsDir}; its ${videos.length} video(s) are left without a split`,
        );
      else continue; // not a class folder
    }
    classes.add(classDir.name);
    for (const file of videos) {
      const split = list?.tags.get(file.name);
      if (split === null) {
        unused++;
        continue;
      }
      if (list && split === undefined) warnings.push(`${file.path}: not listed in ${list.file}; left without a split`);
      items.push({ path: file.path, label: classDir.name, group: hmdbGroup(file), split, kind: 'video' });
    }
    if (list) {
      const present = new Set(videos.map((f) => f.name));
      const missing = [...list.tags.keys()].filter((name) => !present.has(name));
      if (missing.length)
        warnings.push(
          `${list.file}: ${missing.length} listed video(s) not found in ${classDir.path}, e.g. ${missing.slice(0, 3).join(', ')}`,
        );
    }
  }
  for (const [name, list] of lists) {
    if (!classes.has(name)) warnings.push(`${list.file}: class folder ${path.join(dir, name)} not found`);
  }
  // The official splits keep the clips of one source video on one side; edited lists must too.
  const sides = new Map<string, Map<Split, string>>();
  for (const item of items) {
    if (!item.split) continue;
    const seen = sides.get(item.group) ?? new Map<Split, string>();
    if (!seen.has(item.split)) seen.set(item.split, path.basename(item.path));
    sides.set(item.group, seen);
    if (seen.size > 1) {
      const list = lists.get(item.label)?.file ?? splitsDir;
      throw new DatasetError(
        `${list}: clips of source video ${item.group} are in both train (${seen.get('train')}) and test (${seen.get('test')}) of split ${n}; ` +
          'the split files are mismatched (fix them or use the official ones)',
      );
    }
  }
  if (items.length === 0) {
    throw new DatasetError(
      `${dir}: no videos to read for split ${n} (${unused} tagged 0, not used); expected ${dir}/<class>/<video>.avi`,
    );
  }
  return makeDataset(dir, 'hmdb51', items, warnings, [...classes].sort());
}

/** `April_09_brush_hair_u_nm_np1_ba_goo_0.avi` → `April_09_brush_hair_u_nm_np1_ba_goo`. */
function hmdbGroup(file: Entry): string {
  const stem = path.basename(file.name, path.extname(file.name));
  return stem.replace(/_\d+$/, '') || stem;
}
