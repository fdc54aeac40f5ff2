/**
 * What each public dataset ships as, where it comes from by default, and how
 * its unpacked files become a layout the dataset readers accept. Default URLs
 * are the official ones at the time of writing; every one can be overridden.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { Split } from '../data/types';
import { detectArchive, extractArchive } from './archive';
import type { Checksum } from './http-download';

export interface DatasetSource {
  /** Source key, used in flags: `--<name>-url`, `--<name>-sha256`. */
  readonly name: string;
  /** Official URL, or undefined when the user must give one. */
  readonly url?: string;
  /** File name under `downloads/`. */
  readonly file: string;
  readonly checksum?: Checksum;
  /** Folder (relative to the output folder) the archive unpacks into. */
  readonly into: string;
}

/** How one public dataset is downloaded: its sources, and how the unpacked files become a readable layout. */
export interface DatasetDownload {
  readonly name: string;
  readonly description: string;
  /** The layout the result is checked with (see data/registry.ts). */
  readonly layout: string;
  readonly sources: readonly DatasetSource[];
  /** After every source is unpacked: post-processing; returns the dataset root. */
  finish(out: string): Promise<string>;
}

const UCF101: DatasetDownload = {
  name: 'ucf101',
  description: 'UCF101: 13,320 clips of 101 actions (6.5 GB RAR) + the official three train/test splits (zip)',
  layout: 'ucf101',
  sources: [
    { name: 'videos', url: 'https://www.crcv.ucf.edu/data/UCF101/UCF101.rar', file: 'UCF101.rar', into: 'ucf101' },
    {
      name: 'splits',
      url: 'https://www.crcv.ucf.edu/data/UCF101/UCF101TrainTestSplits-RecognitionTask.zip',
      file: 'UCF101TrainTestSplits-RecognitionTask.zip',
      into: 'ucf101',
    },
  ],
  finish: async (out) => path.join(out, 'ucf101'),
};

const HMDB51: DatasetDownload = {
  name: 'hmdb51',
  description: 'HMDB51: 6,766 clips of 51 actions (a RAR of per-class RARs, 2 GB) + the official 70/30 splits (RAR)',
  layout: 'folder',
  sources: [
    {
      name: 'videos',
      url: 'http://serre-lab.clps.brown.edu/wp-content/uploads/2013/10/hmdb51_org.rar',
      file: 'hmdb51_org.rar',
      into: 'hmdb51',
    },
    {
      name: 'splits',
      url: 'http://serre-lab.clps.brown.edu/wp-content/uploads/2013/10/test_train_splits.rar',
      file: 'test_train_splits.rar',
      into: 'hmdb51-splits',
    },
  ],
  async finish(out) {
    const root = path.join(out, 'hmdb51');
    // The outer archive holds one archive per class: unpack each in place, then drop it.
    for (const name of fs.readdirSync(root).sort()) {
      const file = path.join(root, name);
      if (!fs.statSync(file).isFile() || !detectArchive(file)) continue;
      await extractArchive(file, root);
      fs.rmSync(file);
    }
    writeHmdbManifest(root, path.join(out, 'hmdb51-splits'), 1);
    return root;
  },
};

const INDOOR: DatasetDownload = {
  name: 'indoor-objects',
  description:
    'an indoor-object image set from Mendeley Data (one zip of <class>/<image> folders); give --images-url (the "Download All" link)',
  layout: 'image-folder',
  sources: [{ name: 'images', file: 'indoor-objects.zip', into: 'indoor-objects' }],
  async finish(out) {
    return findImageRoot(path.join(out, 'indoor-objects'));
  },
};

const DOWNLOADS = new Map<string, DatasetDownload>([UCF101, HMDB51, INDOOR].map((r) => [r.name, r]));

/** The download of dataset `name`; throws naming the datasets it knows (and kinetics, fetched its own way). */
export function getDatasetDownload(name: string): DatasetDownload {
  const download = DOWNLOADS.get(name);
  if (!download)
    throw new Error(`unknown dataset "${name}"; choose from ${[...DOWNLOADS.keys(), 'kinetics'].join(', ')}`);
  return download;
}

/** The datasets `fetchDataset` downloads (kinetics, fetched clip by clip, is not one of them). */
export function downloadableDatasets(): string[] {
  return [...DOWNLOADS.keys()];
}

/**
 * HMDB51's `<class>_test_split<N>.txt` files (`<video> 1|2|0`: train, test,
 * unused) → `manifest.json` in the dataset root, which the folder reader uses
 * for splits. Unused clips keep no split.
 */
export function writeHmdbManifest(root: string, splitsDir: string, split: number): void {
  const files: string[] = [];
  const visit = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(`_test_split${split}.txt`)) files.push(full);
    }
  };
  visit(splitsDir);
  if (files.length === 0) {
    throw new Error(`${splitsDir}: no *_test_split${split}.txt files; the splits archive did not unpack as expected`);
  }
  const items: Array<{ path: string; label: string; split?: Split }> = [];
  for (const file of files.sort()) {
    const label = path.basename(file).replace(new RegExp(`_test_split${split}\\.txt$`), '');
    for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
      const [video, code] = line.trim().split(/\s+/);
      if (!video) continue;
      const side = code === '1' ? 'train' : code === '2' ? 'test' : undefined;
      items.push({ path: `${label}/${video}`, label, ...(side ? { split: side } : {}) });
    }
  }
  fs.writeFileSync(
    path.join(root, 'manifest.json'),
    JSON.stringify({ format: 'actlab-hmdb51', split, items }, null, 1),
  );
}

/** The first folder (breadth-first, 3 levels) whose subfolders hold images: Mendeley zips nest one or two folders deep. */
export function findImageRoot(dir: string): string {
  const images = /\.(png|jpe?g|bmp|webp)$/i;
  let level = [dir];
  for (let depth = 0; depth < 4 && level.length; depth++) {
    for (const folder of level) {
      const subdirs = fs.readdirSync(folder, { withFileTypes: true }).filter((e) => e.isDirectory());
      const hasClassFolders = subdirs.some((d) =>
        fs.readdirSync(path.join(folder, d.name)).some((f) => images.test(f)),
      );
      if (hasClassFolders) return folder;
    }
    level = level.flatMap((folder) =>
      fs
        .readdirSync(folder, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => path.join(folder, e.name)),
    );
  }
  throw new Error(`${dir}: no <class>/<image> folders found in the unpacked archive; is it the right zip?`);
}
