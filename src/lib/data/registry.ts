/**
 * Dataset layouts by name, and `loadDataset` which auto-detects one. Readers
 * are synchronous and only list files: nothing is decoded here.
 */
import { readVideoFolders } from './folder';
import { findFrameFolders, readFrameFolders } from './frame-folders';
import { findHmdbSplitsDir, readHmdb51 } from './hmdb51';
import { readImageFolder } from './image-folder';
import { findKineticsCsvs, readKineticsCsv } from './kinetics';
import { DatasetError, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS, type VideoDataset } from './types';
import { findUcfListDir, readUcf101 } from './ucf101';
import { hasExtension, listDir, requireFolder } from './walk';

export interface DatasetLayout {
  /** Registry key, used by `--layout`. */
  readonly name: string;
  /** One line: the folder shape it reads. */
  readonly description: string;
  /** Whether `root` looks like this layout (cheap: file names only). */
  detect(root: string): boolean;
  /** Lists the items; layouts with official splits honour `options.split` (and HMDB51 `options.splitsDir`). */
  read(root: string, options?: LoadOptions): VideoDataset;
}

const layouts = new Map<string, DatasetLayout>();

/** Adds a layout; detection tries layouts in registration order. */
export function registerLayout(layout: DatasetLayout): void {
  if (layouts.has(layout.name)) throw new Error(`dataset layout "${layout.name}" is already registered`);
  layouts.set(layout.name, layout);
}

export function layoutNames(): string[] {
  return [...layouts.keys()];
}

export function getLayout(name: string): DatasetLayout {
  const layout = layouts.get(name);
  if (!layout) throw new DatasetError(`unknown dataset layout "${name}"; choose from ${layoutNames().join(', ')}`);
  return layout;
}

/** The first registered layout whose `detect` accepts `root`, or an error listing what was tried. */
export function detectLayout(root: string): DatasetLayout {
  const dir = requireFolder(root);
  for (const layout of layouts.values()) if (layout.detect(dir)) return layout;
  throw new DatasetError(
    `${dir}: cannot tell the dataset layout (expected one of: ${[...layouts.values()].map((l) => `${l.name} = ${l.description}`).join('; ')}); pass --layout NAME`,
  );
}

export interface LoadOptions {
  /** A registered layout name; auto-detected when unset (`hmdb51` when `splitsDir` is set). */
  readonly layout?: string;
  /** Official split number (1, 2 or 3) for layouts that ship splits (UCF101, HMDB51). @default 1 */
  readonly split?: number;
  /** HMDB51: the folder of `<class>_test_split<N>.txt` files. @default the splits folder beside the class folders */
  readonly splitsDir?: string;
}

/** Reads the dataset at `root` into one typed {@link VideoDataset}. */
export function loadDataset(root: string, options: LoadOptions = {}): VideoDataset {
  const name = options.layout ?? (options.splitsDir !== undefined ? 'hmdb51' : undefined);
  const layout = name ? getLayout(name) : detectLayout(root);
  return layout.read(root, options);
}

function classDirFiles(root: string, extensions: readonly string[]): boolean {
  return listDir(root).some(
    (e) => e.isDir && listDir(e.path).some((f) => !f.isDir && hasExtension(f.name, extensions)),
  );
}

registerLayout({
  name: 'ucf101',
  description: 'v_<Class>_gGG_cCC.avi + classInd.txt, trainlist0N.txt, testlist0N.txt',
  detect: (root) => findUcfListDir(root) !== undefined,
  read: (root, options) => readUcf101(root, { split: options?.split }),
});
registerLayout({
  name: 'kinetics-csv',
  description: 'CSV label,youtube_id,time_start,time_end,split next to the clips',
  detect: (root) => findKineticsCsvs(root).length > 0,
  read: readKineticsCsv,
});
registerLayout({
  name: 'hmdb51',
  description: '<class>/<video>.avi + testTrainMulti_7030_splits/<class>_test_splitN.txt',
  detect: (root) => findHmdbSplitsDir(root) !== undefined,
  read: (root, options) => readHmdb51(root, { split: options?.split, splitsDir: options?.splitsDir }),
});
registerLayout({
  name: 'folder',
  description: '<class>/<video> (HMDB51, actlab synth), optionally under train/ val/ test/',
  detect: (root) =>
    classDirFiles(root, VIDEO_EXTENSIONS) ||
    listDir(root).some(
      (e) => e.isDir && ['train', 'val', 'test'].includes(e.name) && classDirFiles(e.path, VIDEO_EXTENSIONS),
    ),
  read: readVideoFolders,
});
registerLayout({
  name: 'image-folder',
  description: '<class>/<image>',
  detect: (root) => classDirFiles(root, IMAGE_EXTENSIONS),
  read: readImageFolder,
});
registerLayout({
  name: 'frame-folders',
  description: '[<split>/][<subject>/]<class>/<sequence>/<numbered frames>',
  detect: (root) => findFrameFolders(root).length > 0,
  read: readFrameFolders,
});
