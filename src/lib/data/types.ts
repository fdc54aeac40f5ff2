/** The one dataset shape every layout reader returns. */

/** The three splits every dataset is divided into: what `splitByGroup` assigns. */
export type StandardSplit = 'train' | 'val' | 'test';
export const SPLITS: readonly StandardSplit[] = ['train', 'val', 'test'];
/**
 * A split of a dataset's clips. Beyond the three, a dataset may ship
 * `swapped`: unseen actors performing every action in the scenes of other
 * actions (the bundled people set), a test of whether a model recognises the
 * action or the place it is usually filmed in. It is never trained on.
 */
export type Split = StandardSplit | 'swapped';
export const ALL_SPLITS: readonly Split[] = [...SPLITS, 'swapped'];

/** What an item's path points at. */
export type ItemKind = 'video' | 'frames' | 'image';

export interface VideoItem {
  /** Absolute path: a video file, an image, or a folder of numbered frames. */
  readonly path: string;
  /** Class name. */
  readonly label: string;
  /**
   * Who/what the clip shares a source with (UCF101 group, subject, actor,
   * YouTube id): clips of one group must stay in one split, or a model is
   * rewarded for recognising the person instead of the action.
   */
  readonly group: string;
  /** The split the layout assigns, or undefined when it assigns none. */
  readonly split?: Split;
  readonly kind: ItemKind;
  /** For `kind: 'frames'`: the frame files in playback order (absolute paths). */
  readonly frameFiles?: readonly string[];
  /**
   * A gray video of the same frames where 255 marks the person (absolute
   * path), when the dataset ships one (the bundled people set): scene
   * augmentation pastes the person onto other scenes with it, and the
   * doctor hides the person with it.
   */
  readonly mask?: string;
}

export interface VideoDataset {
  /** The folder it was read from (absolute). */
  readonly root: string;
  /** The layout's registry key, e.g. `folder`, `ucf101`. */
  readonly layout: string;
  /** Class names, sorted, as labels index them. */
  readonly classes: readonly string[];
  /** Items sorted by path, so every run sees the same order. */
  readonly items: readonly VideoItem[];
  /** Things skipped while reading (bad names, missing files), each naming the file. */
  readonly warnings: readonly string[];
  /**
   * Empty scenes (images, `kind: 'image'`, labelled with the scene's name)
   * the dataset ships beside its clips, for scene augmentation; absent when it ships none.
   */
  readonly scenes?: readonly VideoItem[];
}

/** The dataset folder or its metadata is unusable; the message names the file and the fix. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.avi', '.mkv', '.webm', '.mov', '.m4v', '.mpg', '.mpeg'];
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.bmp', '.webp'];

/** Sorts items by path and collects the class list: the last step of every reader. */
export function makeDataset(
  root: string,
  layout: string,
  items: VideoItem[],
  warnings: string[] = [],
  classes?: readonly string[],
): VideoDataset {
  const sorted = items.slice().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const names = classes ?? [...new Set(sorted.map((item) => item.label))].sort();
  return { root, layout, classes: names, items: sorted, warnings };
}
