/**
 * The one place that says which dataset the tutorial runs on. Every chapter
 * asks `tutorialDataset()` for its videos, its frame cache and its run names;
 * by default that is the bundled people set at 16 frames of 64×64 RGB
 * (`shapesDataset()` is the older coloured-shapes set at 32×32 gray).
 * Pointing `ACTLAB_DATASET` at a JSON file switches every chapter at once:
 *
 * ```json
 * { "name": "ucf101", "videos": "/data/UCF101", "layout": "ucf101",
 *   "frames": 16, "width": 112, "height": 112, "gray": false }
 * ```
 *
 * Relative paths in the file are relative to the file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadDataset } from '../data/registry';
import { planSplits } from '../data/split';
import type { VideoDataset } from '../data/types';
import { createProgressBar } from '../notebook/progress';
import {
  BUNDLED_CACHE,
  bundledCacheDir,
  ensureBundledCache,
  ensurePeopleCache,
  ensurePeopleDataset,
  PEOPLE_CACHE,
  peopleCacheDir,
  peopleDatasetDir,
} from '../synth/bundled-cache';
import { bundledDatasetDir, ensureBundledDataset } from '../synth/generate';
import { packageRoot } from '../util/package-root';
import { requireWholeNumber } from '../util/validate';
import { extractDataset } from '../video/extract-dataset';

/** The environment variable naming the dataset file. */
export const DATASET_ENV = 'ACTLAB_DATASET';

/** What a dataset file may say; everything but `name` and `videos` has a default. */
export interface TutorialDatasetFile {
  /** Short name: prefixes run folders and names the cache (letters, digits, `.`, `_`, `-`). */
  readonly name: string;
  /** The dataset folder, `"bundled"` for the bundled people videos or `"shapes"` for the bundled shapes videos. */
  readonly videos: string;
  /** A layout name (`ucf101`, `hmdb51`, `folder`…). @default detected */
  readonly layout?: string;
  /** Official split number for UCF101/HMDB51. @default 1 */
  readonly split?: number;
  /** HMDB51's split-list folder. */
  readonly splitsDir?: string;
  /** Frames per clip. @default 16 */
  readonly frames?: number;
  /** Frame width and height in pixels. @default 32 */
  readonly width?: number;
  readonly height?: number;
  /** Gray frames (one channel) instead of RGB. @default true */
  readonly gray?: boolean;
  /**
   * Share kept for validation: of each class in a plain folder (no split lists), of the
   * training groups where the layout ships train and test lists only. @default 0.15
   */
  readonly valFraction?: number;
  /** Share of each class kept for test in a plain folder. @default 0.15 */
  readonly testFraction?: number;
  /** A regular expression whose first capture group names a file's group (see `actlab extract --group-by`). */
  readonly groupBy?: string;
  /** The frame cache folder. @default out/data/cache-<name>-<frames>x<height>x<width>-<gray|rgb> */
  readonly cache?: string;
  /** Caps every chapter's training epochs (a smoke run on a new dataset). */
  readonly maxEpochs?: number;
}

/** The frames a clip is cut to: what extraction writes and the models read. */
export interface ClipSettings {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly pixelFormat: 'gray' | 'rgb24';
  readonly channels: 1 | 3;
  /** E.g. "16×32×32 gray": frames × height × width and colour. */
  readonly label: string;
}

export interface TutorialDataset {
  readonly name: string;
  /** True for a bundled set at its own cache's settings (the default people set, or `shapesDataset()`). */
  readonly bundled: boolean;
  /** The dataset file the settings came from (absent for the default). */
  readonly configFile?: string;
  readonly videos: string;
  readonly clip: ClipSettings;
  readonly cacheDir: string;
  /** The epoch cap from the file, or 1 under `ACTLAB_QUICK=1`. */
  readonly maxEpochs?: number;
  /** Makes sure the videos exist (renders a bundled set when it is the source); returns their folder. */
  ensureVideos(): Promise<string>;
  /** The dataset's items, with a validation split carved from training groups when the layout has none. */
  load(): VideoDataset;
  /** Makes sure the frame cache is complete (extracting what is missing, resumable); returns its folder. */
  ensureCache(): Promise<string>;
  /** A recipe's epochs, capped by {@link maxEpochs}. */
  epochs(recipeEpochs: number): number;
  /** A run folder name for this dataset: `base` for the bundled people set, `shapes-<base>` or `<name>-<base>` otherwise. */
  runName(base: string): string;
  /** One line for a notebook: which data, which clips, where the cache is. */
  describe(): string;
}

/**
 * The dataset the tutorial runs on: the file named by `ACTLAB_DATASET` (or
 * `file`), else the bundled synthetic set.
 */
export function tutorialDataset(file: string | undefined = process.env[DATASET_ENV] || undefined): TutorialDataset {
  const quick = process.env.ACTLAB_QUICK === '1' ? 1 : undefined;
  if (!file) {
    const { frames, width, height } = PEOPLE_CACHE;
    return build(
      {
        name: 'people',
        bundled: true,
        videos: peopleDatasetDir(),
        clip: clipSettings(frames, width, height, false),
        cacheDir: peopleCacheDir(),
        renderVideos: ensurePeopleDataset,
        extract: ensurePeopleCache,
      },
      quick,
    );
  }
  const config = readDatasetFile(file);
  const base = path.dirname(path.resolve(file));
  const bundledSet = BUNDLED_VIDEOS[config.videos];
  const videos = bundledSet ? bundledSet.dir() : path.resolve(base, config.videos);
  const clip = clipSettings(config.frames ?? 16, config.width ?? 32, config.height ?? 32, config.gray ?? true);
  const cacheName = `cache-${config.name}-${clip.frames}x${clip.height}x${clip.width}-${clip.channels === 1 ? 'gray' : 'rgb'}`;
  const cacheDir = config.cache ? path.resolve(base, config.cache) : path.join(packageRoot(), 'out', 'data', cacheName);
  const cap = Math.min(config.maxEpochs ?? Infinity, quick ?? Infinity);
  return build(
    {
      name: config.name,
      bundled: false,
      configFile: path.resolve(file),
      videos,
      clip,
      cacheDir,
      renderVideos: bundledSet?.render,
      layout: config.layout,
      split: config.split,
      splitsDir: config.splitsDir === undefined ? undefined : path.resolve(base, config.splitsDir),
      valFraction: config.valFraction,
      testFraction: config.testFraction,
      groupBy: config.groupBy,
      runPrefix: `${config.name}-`,
    },
    Number.isFinite(cap) ? cap : undefined,
  );
}

/** The videos a dataset file can name by a word instead of a folder. */
const BUNDLED_VIDEOS: Readonly<Record<string, { dir: () => string; render: () => Promise<string> }>> = {
  bundled: { dir: peopleDatasetDir, render: ensurePeopleDataset },
  shapes: { dir: bundledDatasetDir, render: () => ensureBundledDataset() },
};

/**
 * The coloured-shapes set at 16 frames of 32×32 gray, whose classes differ
 * only by motion (no frame tells the class): what the tutorial ran on before
 * the people set, and what chapter 13's UCF101-layout rehearsal and the
 * exercises' quick variants still use. Its runs are named `shapes-<base>`.
 */
export function shapesDataset(): TutorialDataset {
  const { frames, width, height } = BUNDLED_CACHE;
  return build(
    {
      name: 'shapes',
      bundled: true,
      videos: bundledDatasetDir(),
      clip: clipSettings(frames, width, height, true),
      cacheDir: bundledCacheDir(),
      renderVideos: () => ensureBundledDataset(),
      extract: ensureBundledCache,
      runPrefix: 'shapes-',
    },
    process.env.ACTLAB_QUICK === '1' ? 1 : undefined,
  );
}

/** A dataset's settings with every path resolved: what {@link build} turns into a {@link TutorialDataset}. */
interface Resolved extends Pick<TutorialDataset, 'name' | 'bundled' | 'configFile' | 'videos' | 'clip' | 'cacheDir'> {
  /** Renders the videos when they are a bundled set. */
  readonly renderVideos?: () => Promise<string>;
  /** Extracts a bundled set's own cache (with its masks and scenes, for the people set). */
  readonly extract?: (dir: string) => Promise<string>;
  /** Prefix of run names; a file's dataset uses `<name>-`. @default none */
  readonly runPrefix?: string;
  readonly layout?: string;
  readonly split?: number;
  readonly splitsDir?: string;
  readonly valFraction?: number;
  readonly testFraction?: number;
  readonly groupBy?: string;
}

function build(r: Resolved, maxEpochs: number | undefined): TutorialDataset {
  const load = (): VideoDataset => {
    const dataset = loadDataset(r.videos, { layout: r.layout, split: r.split, splitsDir: r.splitsDir });
    const options = { val: r.valFraction, test: r.testFraction, groupBy: r.groupBy };
    return planSplits(dataset, Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))).dataset;
  };
  return {
    name: r.name,
    bundled: r.bundled,
    ...(r.configFile ? { configFile: r.configFile } : {}),
    videos: r.videos,
    clip: r.clip,
    cacheDir: r.cacheDir,
    ...(maxEpochs !== undefined ? { maxEpochs } : {}),
    async ensureVideos() {
      if (r.renderVideos) return r.renderVideos();
      if (!fs.existsSync(r.videos))
        throw new Error(
          `${r.videos} not found (the "videos" of ${r.configFile}); download the dataset there (npx actlab fetch-dataset) or fix the path`,
        );
      return r.videos;
    },
    load,
    async ensureCache() {
      if (r.extract) return r.extract(r.cacheDir);
      await this.ensureVideos();
      const bar = createProgressBar('extract', { onlyForWork: true });
      const { frames, width, height, pixelFormat } = r.clip;
      const result = await extractDataset(load(), {
        out: r.cacheDir,
        frames,
        width,
        height,
        pixelFormat,
        onProgress: (p) => bar.update(p.done, p.total),
      });
      bar.finish();
      if (!result.complete)
        throw new Error(
          `the frame cache in ${r.cacheDir} is incomplete (${result.failedShards} shard(s) failed); run again to resume`,
        );
      return r.cacheDir;
    },
    epochs: (recipeEpochs) => Math.min(recipeEpochs, maxEpochs ?? recipeEpochs),
    runName: (base) => `${r.runPrefix ?? ''}${base}`,
    describe() {
      const source = r.bundled ? `the bundled ${r.name} set` : `"${r.name}" from ${r.configFile}`;
      const cap = maxEpochs !== undefined ? `; training capped at ${maxEpochs} epoch(s)` : '';
      return `dataset: ${source}; clips ${r.clip.label} (frames×height×width); cache ${r.cacheDir}${cap}`;
    },
  };
}

function clipSettings(frames: number, width: number, height: number, gray: boolean): ClipSettings {
  const label = `${frames}×${height}×${width} ${gray ? 'gray' : 'RGB'}`;
  return gray
    ? { frames, width, height, pixelFormat: 'gray', channels: 1, label }
    : { frames, width, height, pixelFormat: 'rgb24', channels: 3, label };
}

/** Reads and checks a dataset file; every problem names the file and the key. */
export function readDatasetFile(file: string): TutorialDatasetFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file} (${DATASET_ENV}): cannot read it: ${(error as Error).message}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} (${DATASET_ENV}): cannot read it as JSON: ${(error as Error).message}`, { cause: error });
  }
  const config = parsed as Record<string, unknown>;
  const fail = (key: string, want: string) =>
    new Error(`${file}: "${key}" must be ${want}, got ${JSON.stringify(config[key])}`);
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new Error(`${file}: expected a JSON object such as {"name": "ucf101", "videos": "/data/UCF101"}`);
  const known = new Set([
    'name',
    'videos',
    'layout',
    'split',
    'splitsDir',
    'frames',
    'width',
    'height',
    'gray',
    'valFraction',
    'testFraction',
    'groupBy',
    'cache',
    'maxEpochs',
  ]);
  for (const key of Object.keys(config))
    if (!known.has(key)) throw new Error(`${file}: unknown key "${key}"; known keys: ${[...known].join(', ')}`);
  if (typeof config.name !== 'string' || !/^[\w.-]+$/.test(config.name))
    throw fail('name', "a short name of letters, digits, '.', '_' or '-'");
  if (typeof config.videos !== 'string' || config.videos === '') throw fail('videos', 'a folder path or "bundled"');
  for (const key of ['layout', 'splitsDir', 'cache', 'groupBy'])
    if (config[key] !== undefined && typeof config[key] !== 'string') throw fail(key, 'a string');
  if (config.gray !== undefined && typeof config.gray !== 'boolean') throw fail('gray', 'true or false');
  for (const key of ['frames', 'width', 'height', 'split', 'maxEpochs'])
    if (config[key] !== undefined) requireWholeNumber(`${file}: "${key}"`, config[key] as number);
  for (const key of ['valFraction', 'testFraction'])
    if (config[key] !== undefined && !(Number(config[key]) >= 0 && Number(config[key]) < 1))
      throw fail(key, 'a number from 0 to below 1');
  return config as unknown as TutorialDatasetFile;
}
