/**
 * Writes the synthetic action dataset: `DIR/<class>/<name>.mp4` plus
 * `DIR/manifest.json` (label, actor group and split of every clip).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { splitByGroup } from '../data/split';
import type { Split, VideoItem } from '../data/types';
import { packageRoot } from '../util/package-root';
import { createRng } from '../util/random';
import { encodeFrames } from '../video/encode';
import { BUNDLED_CLASSES, motionFor } from './motions';
import { type Actor, randomActor, randomClipParams, renderClip } from './render';

export interface SynthOptions {
  /** Output folder; created if missing. */
  readonly out: string;
  /** Class names from `MOTION_NAMES`. @default {@link BUNDLED_CLASSES} */
  readonly classes?: readonly string[];
  /** Clips per class. @default 72 */
  readonly perClass?: number;
  /** Actors (groups): each performs every class `perClass / actors` times, rounded up. @default 72 */
  readonly actors?: number;
  /** Frames per clip. @default 16 */
  readonly frames?: number;
  /** Frame width, even. @default 32 */
  readonly width?: number;
  /** Frame height, even. @default 32 */
  readonly height?: number;
  /** Container frame rate. @default 8 */
  readonly fps?: number;
  /** PRNG seed: the same seed gives the same clips, names and splits. @default 0 */
  readonly seed?: number;
  /** ffmpeg encoders run at once. @default CPU cores */
  readonly concurrency?: number;
  /** Called after each clip is written. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SynthManifestItem {
  /** Relative to the dataset folder, `/`-separated. */
  readonly path: string;
  readonly label: string;
  readonly group: string;
  readonly split: Split;
}

/**
 * Version of the renderer's drawing rules (contrast, sizes, motion amounts).
 * Stored in each manifest: the same options drawn by another version give
 * other pixels, so the bundled dataset is regenerated when it changes.
 */
export const RENDERER_VERSION = 5;

export interface SynthManifest {
  readonly format: 'actlab-synth';
  readonly version: 1;
  /** {@link RENDERER_VERSION} of the clips; absent in manifests written before it existed. */
  readonly renderer?: number;
  readonly options: Required<Omit<SynthOptions, 'out' | 'concurrency' | 'onProgress'>>;
  readonly classes: readonly string[];
  readonly items: readonly SynthManifestItem[];
}

/**
 * The bundled default: 8 classes × 72 clips of 16 frames at 32×32, 72 actors
 * who each perform every class once, split 48/12/12, so the test split has 12
 * clips per class (one clip is worth about a point of accuracy). One take per
 * actor rather than two takes of 36 actors shows training twice as many looks
 * for the same clip count: with the same recipe and seeds, the 3D ResNeXt's
 * test accuracy on unseen actors rose from 88% to 93%.
 */
export const BUNDLED_SYNTH: Required<Omit<SynthOptions, 'out' | 'concurrency' | 'onProgress'>> = {
  classes: BUNDLED_CLASSES,
  perClass: 72,
  actors: 72,
  frames: 16,
  width: 32,
  height: 32,
  fps: 8,
  seed: 0,
};

/** Renders and encodes every clip, then writes `manifest.json` last (its presence means "complete"). */
export async function generateSyntheticDataset(options: SynthOptions): Promise<SynthManifest> {
  const settings = synthSettings(options);
  validate(settings);
  const out = path.resolve(options.out);
  const rng = createRng(settings.seed);
  const actors: Actor[] = Array.from({ length: settings.actors }, (_, i) =>
    randomActor(`a${String(i + 1).padStart(2, '0')}`, rng.fork(`actor${i}`)),
  );
  const jobs: Array<{ item: SynthManifestItem; actor: Actor; clipSeed: string }> = [];
  for (const label of settings.classes) {
    for (let n = 0; n < settings.perClass; n++) {
      const actor = actors[n % actors.length] as Actor;
      const take = Math.floor(n / actors.length) + 1;
      const name = `${actor.id}_${label}_t${take}.mp4`;
      jobs.push({
        item: { path: `${label}/${name}`, label, group: actor.id, split: 'train' },
        actor,
        clipSeed: `${label}/${name}`,
      });
    }
  }
  // Split whole actors: train 2/3, val 1/6, test 1/6 (48/12/12 with 72 actors).
  const withSplits = splitByGroup(
    jobs.map((job): VideoItem => ({
      path: job.item.path,
      label: job.item.label,
      group: job.item.group,
      kind: 'video',
    })),
    { fractions: { train: 4, val: 1, test: 1 }, seed: settings.seed },
  );
  const items = jobs.map((job, i) => ({ ...job.item, split: withSplits[i]?.split as Split }));
  for (const label of settings.classes) fs.mkdirSync(path.join(out, label), { recursive: true });
  fs.rmSync(path.join(out, 'manifest.json'), { force: true });

  const render = { width: settings.width, height: settings.height, frames: settings.frames };
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++] as (typeof jobs)[number];
      const clipRng = createRng(`${settings.seed}:${job.clipSeed}`);
      const params = randomClipParams(render, clipRng);
      const frames = renderClip(job.item.label, job.actor, params, render, clipRng);
      await encodeFrames(path.join(out, job.item.path), frames, { ...render, fps: settings.fps });
      options.onProgress?.(++done, jobs.length);
    }
  };
  const concurrency = Math.max(1, options.concurrency ?? os.cpus().length);
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));

  const manifest: SynthManifest = {
    format: 'actlab-synth',
    version: 1,
    renderer: RENDERER_VERSION,
    options: settings,
    classes: [...settings.classes],
    items,
  };
  const temp = path.join(out, `manifest.json.partial-${process.pid}`);
  fs.writeFileSync(temp, JSON.stringify(manifest, null, 1));
  fs.renameSync(temp, path.join(out, 'manifest.json'));
  return manifest;
}

/** The folder notebooks use for the bundled dataset: `<package>/out/data/synth` (generated, not committed). */
export function bundledDatasetDir(): string {
  return path.join(packageRoot(), 'out', 'data', 'synth');
}

/**
 * Returns the bundled synthetic dataset's folder, generating it first when
 * `manifest.json` is missing or was made with other settings (~10 s on 2 cores).
 */
export async function ensureBundledDataset(
  dir: string = bundledDatasetDir(),
  onProgress?: (done: number, total: number) => void,
): Promise<string> {
  return ensureSyntheticDataset({ out: dir, onProgress });
}

/**
 * Returns `options.out`, generating the dataset first unless its manifest
 * was written by this renderer with the same settings. Regenerating removes
 * the old clips and the frame caches extracted from them beside the folder
 * (`cache-*`), which no longer match the videos.
 */
export async function ensureSyntheticDataset(options: SynthOptions): Promise<string> {
  const settings = synthSettings(options);
  const dir = path.resolve(options.out);
  const manifestFile = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as SynthManifest;
      const same =
        manifest.renderer === RENDERER_VERSION && JSON.stringify(manifest.options) === JSON.stringify(settings);
      if (same) return dir;
    } catch {
      // unreadable manifest: regenerate below
    }
  }
  removePreviousClips(dir);
  await generateSyntheticDataset({ ...options, out: dir });
  removeCachesOf(dir);
  return dir;
}

/**
 * Deletes the manifest and the clips an earlier generation listed in it, and
 * the class folders that leaves empty, so a dataset regenerated with other
 * settings holds no leftover clips (of dropped classes or takes) that a reader
 * would pick up without a split. Files actlab did not list stay. Only for the
 * folders actlab owns (the bundled set, the benchmark's): `actlab synth --out`
 * into an existing dataset does not delete its clips.
 */
function removePreviousClips(out: string): void {
  const file = path.join(out, 'manifest.json');
  let previous: Partial<SynthManifest> | undefined;
  try {
    previous = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SynthManifest>;
  } catch {
    // none, or unreadable: nothing known to remove
  }
  fs.rmSync(file, { force: true });
  if (previous?.format !== 'actlab-synth') return;
  const folders = new Set<string>();
  for (const item of previous.items ?? []) {
    const clip = path.resolve(out, item.path);
    if (!clip.startsWith(out + path.sep)) continue; // never outside the dataset
    fs.rmSync(clip, { force: true });
    folders.add(path.dirname(clip));
  }
  for (const folder of folders) {
    if (fs.existsSync(folder) && fs.readdirSync(folder).length === 0) fs.rmdirSync(folder);
  }
}

/**
 * Deletes the frame caches extracted from `dataset` in the folder beside it
 * (`out/data/cache-*`, written by actlab from the dataset it just replaced):
 * their frames no longer match the videos, and extraction would refuse them.
 */
function removeCachesOf(dataset: string): void {
  const parent = path.dirname(dataset);
  for (const name of fs.readdirSync(parent)) {
    const planFile = path.join(parent, name, 'cache.json');
    if (!name.startsWith('cache-') || !fs.existsSync(planFile)) continue;
    try {
      const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as { dataset?: { root?: string } };
      if (plan.dataset?.root !== dataset) continue;
    } catch {
      continue; // not a cache this code wrote: leave it
    }
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
    console.log(`${dataset} was regenerated, so its old frame cache ${path.join(parent, name)} was removed`);
  }
}

function validate(s: Required<Omit<SynthOptions, 'out' | 'concurrency' | 'onProgress'>>): void {
  for (const label of s.classes) motionFor(label);
  if (new Set(s.classes).size !== s.classes.length) throw new Error(`synth classes repeat: ${s.classes.join(',')}`);
  const positiveInt = (name: string, value: number, min = 1): void => {
    if (!Number.isInteger(value) || value < min)
      throw new Error(`synth ${name} must be an integer >= ${min}, got ${value}`);
  };
  positiveInt('perClass', s.perClass);
  positiveInt('actors', s.actors, 3); // train, val and test each need an actor
  positiveInt('frames', s.frames, 2);
  positiveInt('width', s.width, 8);
  positiveInt('height', s.height, 8);
  if (s.width % 2 || s.height % 2) throw new Error(`synth size ${s.width}x${s.height} must be even (H.264 yuv420p)`);
  if (!(s.fps > 0)) throw new Error(`synth fps must be positive, got ${s.fps}`);
}

/** The settings a manifest records: the bundled defaults overridden by the options given. */
function synthSettings(options: SynthOptions): SynthManifest['options'] {
  const { out: _o, concurrency: _c, onProgress: _p, ...chosen } = options;
  return { ...BUNDLED_SYNTH, ...definedOnly(chosen) };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
