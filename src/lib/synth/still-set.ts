/**
 * Writes a still-image dataset in the usual image-folder layout,
 * `DIR/<class>/<scene>_<class>_<n>.png`, plus `DIR/manifest.json` (label,
 * scene group and split of every image; written last, as the "done" mark).
 * Two presets play the image project's roles: a large source set to pretrain
 * on (the tutorial's ImageNet) and a small target set with other classes (its
 * nursing-home objects).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import sharp from 'sharp';

import { splitByGroup } from '../data/split';
import type { Split, StandardSplit, VideoItem } from '../data/types';
import { packageRoot } from '../util/package-root';
import { createRng } from '../util/random';
import { requireWholeNumber } from '../util/validate';
import type { SynthManifestItem } from './manifest';
import { randomScene, randomStillParams, renderStill, type Scene, STILL_SHAPES, type StillShape } from './stills';
import { definedOnly } from '../util/defined-only';

/** Version of the still drawing rules: the same settings drawn by another version give other pixels. */
export const STILLS_VERSION = 1;

/** Everything that decides a still set's pixels, names and splits. */
export interface StillSetSettings {
  /** Object classes, from {@link STILL_SHAPES}. */
  readonly classes: readonly StillShape[];
  /** Scenes (groups); every scene shows every class. */
  readonly scenes: number;
  /** Images of each class per scene. */
  readonly perScene: number;
  /** Image side in pixels (square RGB images). */
  readonly size: number;
  /** Shares of scenes per split (normalised). */
  readonly fractions: Readonly<Record<StandardSplit, number>>;
  readonly seed: number;
}

/** The pretraining set: 6 classes × 48 scenes × 6 images = 1728 images of 32×32, split by scene 4:1:1. */
export const SOURCE_STILLS: StillSetSettings = {
  classes: ['circle', 'square', 'triangle', 'diamond', 'ring', 'cross'],
  scenes: 48,
  perScene: 6,
  size: 32,
  fractions: { train: 4, val: 1, test: 1 },
  seed: 0,
};

/**
 * The few-images set, with classes the source never showed: 6 classes × 24
 * scenes × 2 images; a quarter of the scenes each for train and val, half for
 * test, so 12 training and 24 test images per class.
 */
export const TARGET_STILLS: StillSetSettings = {
  classes: ['star', 'hexagon', 'crescent', 'frame', 'arrow', 'ellipse'],
  scenes: 24,
  perScene: 2,
  size: 32,
  fractions: { train: 1, val: 1, test: 2 },
  seed: 1,
};

export const STILL_PRESETS = { source: SOURCE_STILLS, target: TARGET_STILLS } as const;
export type StillPreset = keyof typeof STILL_PRESETS;

export interface StillSetOptions extends Partial<StillSetSettings> {
  /** Output folder; created if missing. */
  readonly out: string;
  /** Called after each image is written. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface StillManifest<S = StillSetSettings> {
  readonly format: 'actlab-stills';
  /** The drawing rules' version: a number for the shapes, `people-<figure>.<stills>` for the people stills. */
  readonly renderer: number | string;
  readonly options: S;
  readonly classes: readonly string[];
  readonly items: readonly SynthManifestItem[];
}

const PENDING = '.stills-pending.json';

/** One image to write: its manifest entry and how to draw it (`[size,size,3]` RGB). */
export interface PlannedStill {
  readonly item: SynthManifestItem;
  render(): Uint8Array;
}

/** What a still writer needs: what decides the pixels, the image side, and every image. */
export interface StillPlan<S> {
  readonly renderer: number | string;
  readonly options: S;
  readonly size: number;
  readonly classes: readonly string[];
  readonly stills: readonly PlannedStill[];
}

/**
 * Renders and writes every image, then `manifest.json`. A complete set with
 * the same settings is returned as it is; one this function wrote with other
 * settings (or left unfinished) is replaced; a folder holding anything else
 * is an error, and nothing there is touched.
 */
export async function generateStillSet(options: StillSetOptions): Promise<StillManifest> {
  const { out, onProgress, ...chosen } = options;
  const settings: StillSetSettings = { ...SOURCE_STILLS, ...definedOnly(chosen) };
  validate(settings);
  return writeStillSet(out, planStills(settings), onProgress);
}

/**
 * Writes the images `plan` lists into `out` (see {@link generateStillSet} for
 * what is kept and replaced). Planning draws nothing: a complete set with the
 * plan's renderer and options costs one manifest read.
 */
export async function writeStillSet<S>(
  outOption: string,
  plan: StillPlan<S>,
  onProgress?: (done: number, total: number) => void,
): Promise<StillManifest<S>> {
  const out = path.resolve(outOption);
  const previous = readOwnState<S>(out);
  const { stills, size, classes, renderer, options } = plan;
  const wanted = JSON.stringify({ renderer, options });
  if (previous?.manifest && JSON.stringify({ renderer: previous.renderer, options: previous.options }) === wanted) {
    onProgress?.(previous.items.length, previous.items.length);
    return previous as StillManifest<S>;
  }
  if (previous) for (const item of previous.items) fs.rmSync(path.join(out, item.path), { force: true });
  fs.mkdirSync(out, { recursive: true });
  const items = stills.map((still) => still.item);
  writeJson(path.join(out, PENDING), { format: 'actlab-stills-pending', items });
  fs.rmSync(path.join(out, 'manifest.json'), { force: true });
  for (const label of classes) fs.mkdirSync(path.join(out, label), { recursive: true });
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < stills.length) {
      const still = stills[next++] as PlannedStill;
      const pixels = still.render();
      const file = path.join(out, still.item.path);
      // Temp name, then rename: an image that exists is whole.
      await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
        raw: { width: size, height: size, channels: 3 },
      })
        .png()
        .toFile(`${file}.partial`);
      fs.renameSync(`${file}.partial`, file);
      onProgress?.(++done, stills.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const manifest: StillManifest<S> = {
    format: 'actlab-stills',
    renderer,
    options,
    classes: [...classes].sort(),
    items,
  };
  writeJson(path.join(out, 'manifest.json'), manifest);
  fs.rmSync(path.join(out, PENDING), { force: true });
  return manifest;
}

/** `<package>/out/data/stills-<preset>` (generated, not committed). */
export function stillSetDir(preset: StillPreset): string {
  return path.join(packageRoot(), 'out', 'data', `stills-${preset}`);
}

/** Returns the folder of a preset still set, writing it first when missing or stale (a few seconds). */
export async function ensureStillSet(preset: StillPreset, dir: string = stillSetDir(preset)): Promise<string> {
  const settings = STILL_PRESETS[preset];
  if (!settings) throw new Error(`unknown still set "${preset}"; choose ${Object.keys(STILL_PRESETS).join(' or ')}`);
  await generateStillSet({ ...settings, out: dir });
  return path.resolve(dir);
}

/** Every image's name, scene, split and drawing: a pure function of the settings. */
function planStills(settings: StillSetSettings): StillPlan<StillSetSettings> {
  const rng = createRng(`${settings.seed}:scenes`);
  const scenes = Array.from({ length: settings.scenes }, (_, i) =>
    randomScene(`s${String(i + 1).padStart(2, '0')}`, rng.fork(`scene${i}`)),
  );
  const drawn: Array<{ item: SynthManifestItem; shape: StillShape; scene: Scene }> = [];
  for (const shape of settings.classes) {
    for (const scene of scenes) {
      for (let n = 1; n <= settings.perScene; n++) {
        const item = {
          path: `${shape}/${scene.id}_${shape}_${n}.png`,
          label: shape,
          group: scene.id,
          split: 'train' as Split,
        };
        drawn.push({ item, shape, scene });
      }
    }
  }
  const split = splitByGroup(
    drawn.map((d): VideoItem => ({ ...d.item, split: undefined, kind: 'image' })),
    { fractions: settings.fractions, seed: settings.seed },
  );
  const stills = drawn.map(({ item, shape, scene }, i): PlannedStill => {
    const placed = { ...item, split: split[i]?.split as Split };
    return {
      item: placed,
      render: () => {
        const rng = createRng(`${settings.seed}:${item.path}`);
        return renderStill(shape, scene, randomStillParams(scene, settings.size, rng), settings.size, rng);
      },
    };
  });
  return { renderer: STILLS_VERSION, options: settings, size: settings.size, classes: settings.classes, stills };
}

/** What this module wrote in `out` before (a manifest, or an unfinished run's pending list); undefined when nothing. */
function readOwnState<S>(
  out: string,
): (Partial<StillManifest<S>> & { manifest: boolean; items: readonly SynthManifestItem[] }) | undefined {
  if (!fs.existsSync(out)) return undefined;
  for (const [name, format, manifest] of [
    ['manifest.json', 'actlab-stills', true],
    [PENDING, 'actlab-stills-pending', false],
  ] as const) {
    const file = path.join(out, name);
    if (!fs.existsSync(file)) continue;
    try {
      const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StillManifest<S>> & { format?: string };
      if (parsed.format === format && Array.isArray(parsed.items)) return { ...parsed, manifest, items: parsed.items };
    } catch {
      // not ours: fall through to the foreign-folder check
    }
  }
  const entries = fs.readdirSync(out).filter((name) => !name.startsWith('.'));
  if (entries.length === 0) return undefined;
  throw new Error(
    `${out} already holds files the still writer did not write (e.g. ${path.join(out, entries[0] as string)}); ` +
      'nothing there was touched: choose another folder',
  );
}

function validate(s: StillSetSettings): void {
  for (const label of s.classes) {
    if (!STILL_SHAPES.includes(label)) {
      throw new Error(`still class "${label}" is not a shape; choose from ${STILL_SHAPES.join(', ')}`);
    }
  }
  if (new Set(s.classes).size !== s.classes.length) throw new Error(`still classes repeat: ${s.classes.join(',')}`);
  requireWholeNumber('stills scenes', s.scenes, 3, { hint: 'train, val and test each need a scene' });
  requireWholeNumber('stills perScene', s.perScene);
  requireWholeNumber('stills size', s.size, 8);
}

function writeJson(file: string, value: unknown): void {
  const temp = `${file}.partial-${process.pid}`;
  fs.writeFileSync(temp, JSON.stringify(value, null, 1));
  fs.renameSync(temp, file);
}
