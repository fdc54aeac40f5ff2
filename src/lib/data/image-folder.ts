/**
 * Image folders, the usual still-image layout (`ROOT/<class>/<image>`,
 * optionally under `ROOT/{train,val,test}/`): reading one with errors that
 * name the wrong layout's fix, and a few decoded examples of each class.
 */

import { readImageFolders } from './folder';
import { createRng } from '../util/random';
import { decodeImage } from './image-decode';
import { DatasetError, IMAGE_EXTENSIONS, type Split, type VideoDataset } from './types';
import { hasExtension, listDir, requireFolder } from './walk';

/**
 * Lists the images of an image folder (nothing is decoded). Groups and splits
 * come from an actlab `manifest.json` when there is one (the still sets),
 * else from split folders, else the group is the file name minus its number.
 * Throws a {@link DatasetError} naming the fix for images without class
 * folders, images a folder too deep, and a single class.
 */
export function readImageFolder(root: string): VideoDataset {
  const dir = requireFolder(root);
  let dataset: VideoDataset;
  try {
    dataset = readImageFolders(dir);
  } catch (error) {
    if (error instanceof DatasetError) throw wrongLayout(dir) ?? error;
    throw error;
  }
  if (dataset.classes.length < 2) {
    throw new DatasetError(
      `${dir}: only one class folder holds images (${dataset.classes[0]}); an image folder needs one folder per class ` +
        `(${dir}/<class>/<image>): if ${dir}/${dataset.classes[0]} is the dataset, pass it as the root`,
    );
  }
  return dataset;
}

/** Says what is wrong with a folder in which no class folder holds images, or undefined when nothing specific is. */
function wrongLayout(dir: string): DatasetError | undefined {
  const entries = listDir(dir);
  const flat = entries.filter((e) => !e.isDir && hasExtension(e.name, IMAGE_EXTENSIONS));
  if (flat.length > 0) {
    return new DatasetError(
      `${dir}: holds ${flat.length} image(s) directly (e.g. ${flat[0]?.path}) but no class folders; an image folder ` +
        `is ${dir}/<class>/<image>: move each image into a folder named after its class`,
    );
  }
  for (const top of entries.filter((e) => e.isDir)) {
    for (const sub of listDir(top.path).filter((e) => e.isDir)) {
      const deep = listDir(sub.path).find((e) => !e.isDir && hasExtension(e.name, IMAGE_EXTENSIONS));
      if (deep) {
        return new DatasetError(
          `${dir}: the images are one folder too deep (e.g. ${deep.path}); an image folder is ${dir}/<class>/<image>: ` +
            `if ${top.path} holds the class folders, pass it as the root`,
        );
      }
    }
  }
  return undefined;
}

export interface ExampleImagesOptions {
  /** Images per class. @default 6 */
  readonly perClass?: number;
  /** Only this split's images. @default every split */
  readonly split?: Split;
  /** Which images: a seeded random choice per class. @default 0 */
  readonly seed?: number;
}

/**
 * A few decoded images of every class, each as a one-frame clip `[1,H,W,C]`
 * uint8: `plot.showGrid(await data.exampleImages(dataset))` shows a row per class.
 */
export async function exampleImages(
  dataset: VideoDataset,
  options: ExampleImagesOptions = {},
): Promise<Record<string, Array<{ data: Uint8Array; shape: [1, number, number, number] }>>> {
  const rng = createRng(`${options.seed ?? 0}:examples`);
  const out: Record<string, Array<{ data: Uint8Array; shape: [1, number, number, number] }>> = {};
  for (const name of dataset.classes) {
    const items = dataset.items.filter((i) => i.label === name && (!options.split || i.split === options.split));
    const chosen = rng.shuffle(items).slice(0, options.perClass ?? 6);
    out[name] = await Promise.all(
      chosen.map(async (item) => {
        const image = await decodeImage(item.path);
        return { data: image.data, shape: [1, ...image.shape] as [1, number, number, number] };
      }),
    );
  }
  return out;
}
