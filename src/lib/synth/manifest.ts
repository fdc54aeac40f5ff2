/**
 * `manifest.json` of a synthetic set: the settings it was drawn with and the
 * label, actor group and split of every clip.
 */
import type { Split } from '../data/types';

/** The settings that decide a set's pixels, names and splits (all of `SynthOptions` but where and how fast). */
export interface SynthSettings {
  readonly classes: readonly string[];
  readonly perClass: number;
  readonly actors: number;
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly seed: number;
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
  readonly options: SynthSettings;
  readonly classes: readonly string[];
  readonly items: readonly SynthManifestItem[];
}
