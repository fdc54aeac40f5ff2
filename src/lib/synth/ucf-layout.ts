/**
 * The bundled clips re-filed in UCF101's layout: `<Class>/v_<Class>_gGG_cCC.mp4`
 * with `ucfTrainTestlist/classInd.txt`, `trainlist01.txt` and `testlist01.txt`.
 * It lets the tutorial run on a real dataset's layout, with its official
 * split lists, before anyone downloads 6.5 GB.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../util/atomic-write';
import type { SynthManifest } from './manifest';

export interface Ucf101TreeOptions {
  /** The synthetic set to copy from (it has a manifest.json). */
  readonly source: string;
  /** The folder to write: empty, absent, or a tree this function wrote. */
  readonly out: string;
  /** Classes to take. @default all of the source's */
  readonly classes?: readonly string[];
  /** At most this many actors (UCF101 groups) per class, the first in actor order. @default all */
  readonly groups?: number;
}

export interface Ucf101Tree {
  readonly root: string;
  /** UCF101-style class names (CamelCase, as the file names need). */
  readonly classes: readonly string[];
  readonly trainClips: number;
  readonly testClips: number;
}

/** Marks a folder as written here, so that writing it again may replace it. */
const MARKER = '.actlab-ucf101-tree.json';

/** `move_up_left` → `MoveUpLeft`: UCF101 names allow letters and digits only. */
export function ucfClassName(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Writes the UCF101-layout copy of a synthetic set. Actors become groups
 * (`g01`…), so clips of one actor stay on one side; the source's train and
 * val actors go to `trainlist01.txt`, its test actors to `testlist01.txt`.
 */
export function writeUcf101Tree(options: Ucf101TreeOptions): Ucf101Tree {
  const manifestFile = path.join(options.source, 'manifest.json');
  if (!fs.existsSync(manifestFile))
    throw new Error(`${manifestFile} not found: the source must be a synthetic set (synth.ensureBundledDataset())`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as SynthManifest;
  const wanted = options.classes ?? manifest.classes;
  for (const name of wanted)
    if (!manifest.classes.includes(name))
      throw new Error(`class "${name}" is not in ${manifestFile}; it has ${manifest.classes.join(', ')}`);
  const root = path.resolve(options.out);
  if (fs.existsSync(root) && fs.readdirSync(root).length > 0 && !fs.existsSync(path.join(root, MARKER)))
    throw new Error(`${root} is not empty and was not written by writeUcf101Tree; pick an empty folder`);
  fs.rmSync(root, { recursive: true, force: true });

  const actors = [...new Set(manifest.items.map((item) => item.group))].sort();
  const kept = new Set(actors.slice(0, options.groups ?? actors.length));
  const groupOf = (actor: string) => `g${String(actors.indexOf(actor) + 1).padStart(2, '0')}`;
  const classes = wanted.map(ucfClassName);
  const lists = { train: [] as string[], test: [] as string[] };
  const clipsSoFar = new Map<string, number>(); // `${class} ${group}` → clips written
  for (const item of manifest.items) {
    if (!wanted.includes(item.label) || !kept.has(item.group)) continue;
    const name = ucfClassName(item.label);
    const group = groupOf(item.group);
    const clip = (clipsSoFar.get(`${name} ${group}`) ?? 0) + 1;
    clipsSoFar.set(`${name} ${group}`, clip);
    const rel = `${name}/v_${name}_${group}_c${String(clip).padStart(2, '0')}${path.extname(item.path)}`;
    fs.mkdirSync(path.join(root, name), { recursive: true });
    fs.copyFileSync(path.join(options.source, item.path), path.join(root, rel));
    lists[item.split === 'test' ? 'test' : 'train'].push(rel);
  }
  const listDir = path.join(root, 'ucfTrainTestlist');
  fs.mkdirSync(listDir, { recursive: true });
  writeFileAtomic(path.join(listDir, 'classInd.txt'), classes.map((c, i) => `${i + 1} ${c}\n`).join(''));
  // trainlist lines carry the class index, testlist lines do not: as in the official files.
  writeFileAtomic(
    path.join(listDir, 'trainlist01.txt'),
    lists.train.map((rel) => `${rel} ${classes.indexOf(rel.split('/')[0]!) + 1}\n`).join(''),
  );
  writeFileAtomic(path.join(listDir, 'testlist01.txt'), lists.test.map((rel) => `${rel}\n`).join(''));
  writeFileAtomic(path.join(root, MARKER), JSON.stringify({ source: options.source, classes: wanted }) + '\n');
  return { root, classes, trainClips: lists.train.length, testClips: lists.test.length };
}
