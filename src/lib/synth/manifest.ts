/**
 * `manifest.json` of a synthetic set: the settings it was drawn with and the
 * label, actor group and split of every clip.
 */
import type { Split } from '../data/types';

/** The settings that decide a set's pixels, names and splits (all of `SynthOptions` but where and how fast). */
export interface SynthSettings {
  /** Which set: absent for the moving shapes, `people` for people performing actions in scenes. */
  readonly set?: 'people';
  readonly classes: readonly string[];
  readonly perClass: number;
  readonly actors: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly seed: number;
  /**
   * People set: the share of train, val and test clips filmed in their
   * action's own scene (the rest in one of the other scenes, drawn evenly).
   * 1 ties every action to one place; 1 / (number of scenes) ties none.
   */
  readonly sceneCorrelation?: number;
}

export interface SynthManifestItem {
  /** Relative to the dataset folder, `/`-separated. */
  readonly path: string;
  readonly label: string;
  readonly group: string;
  readonly split: Split;
  /** People set: the person-mask video, relative. */
  readonly mask?: string;
  /** People set: the scene the clip was filmed in. */
  readonly scene?: string;
}

/** People set: an empty scene image, relative, and the scene's name. */
export interface SynthScenePlate {
  readonly path: string;
  readonly scene: string;
}

/**
 * Version of the renderer's drawing rules (contrast, sizes, motion amounts).
 * Stored in each manifest: the same options drawn by another version give
 * other pixels, so the bundled dataset is regenerated when it changes.
 */
export const RENDERER_VERSION = 5;
/** {@link RENDERER_VERSION} of the people renderer (people.ts, scenes.ts). */
export const PEOPLE_RENDERER_VERSION = 1;

/** The renderer version a set with `settings` is drawn by. */
export function rendererVersionOf(settings: Pick<SynthSettings, 'set'>): number {
  return settings.set === 'people' ? PEOPLE_RENDERER_VERSION : RENDERER_VERSION;
}

/** Every file a set wrote, relative: clips, their masks and the empty scenes. */
export function manifestFiles(manifest: Pick<SynthManifest, 'items' | 'scenes'>): string[] {
  return [
    ...manifest.items.flatMap((item) => (item.mask ? [item.path, item.mask] : [item.path])),
    ...(manifest.scenes ?? []).map((plate) => plate.path),
  ];
}

export interface SynthManifest {
  readonly format: 'actlab-synth';
  readonly version: 1;
  /** {@link RENDERER_VERSION} of the clips; absent in manifests written before it existed. */
  readonly renderer?: number;
  readonly options: SynthSettings;
  readonly classes: readonly string[];
  readonly items: readonly SynthManifestItem[];
  /** People set: the empty scenes scene augmentation pastes people onto. */
  readonly scenes?: readonly SynthScenePlate[];
}
