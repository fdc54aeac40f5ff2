/** One unit of a synthetic set's work: a clip (with its mask, for people) or an empty scene. */
import type { SynthManifestItem } from './manifest';

export interface SynthJob {
  /** The manifest's entry for a clip; absent for an empty scene. */
  readonly item?: SynthManifestItem;
  /** The files it writes, relative to the set's folder; a job whose files all exist is done. */
  readonly files: readonly string[];
  /** Renders and writes its files that are missing in `out` (each whole or not at all). */
  write(out: string): Promise<void>;
}
