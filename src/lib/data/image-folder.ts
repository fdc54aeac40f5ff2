/**
 * Image folders, the usual still-image layout (`ROOT/<class>/<image>`,
 * optionally under `ROOT/{train,val,test}/`): reading one with errors that
 * name the wrong layout's fix, and decoding one image to pixels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import sharp from 'sharp';

import { readImageFolders } from './folder';
import { createRng } from '../util/random';
import { DatasetError, IMAGE_EXTENSIONS, type Split, type VideoDataset } from './types';
import { describeFsError, hasExtension, listDir, requireFolder } from './walk';

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

/** One decoded image: `[H,W,C]` uint8, row-major, channels-last, 0..255. */
export interface DecodedImage {
  readonly data: Uint8Array;
  readonly shape: readonly [number, number, number];
}

export interface DecodeImageOptions {
  /** Resize to `[height, width]` (stretching, as the image project's loaders do). @default the file's size */
  readonly size?: readonly [number, number];
  /** 3 for RGB, 1 for gray. @default 3 */
  readonly channels?: 1 | 3;
}

/**
 * Decodes a PNG/JPEG/WebP/... file to pixels with sharp (alpha dropped).
 * Throws a {@link DatasetError} naming the file and what to do when it
 * cannot be read or is not an image.
 */
export async function decodeImage(file: string, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const channels = options.channels ?? 3;
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (error) {
    throw new DatasetError(describeFsError(error) ?? `${file}: cannot read (${(error as Error).message})`);
  }
  try {
    let image = sharp(bytes).removeAlpha();
    if (options.size) image = image.resize(options.size[1], options.size[0], { fit: 'fill' });
    image = channels === 1 ? image.toColourspace('b-w') : image.toColourspace('srgb');
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== channels) {
      // sharp keeps one channel for gray sources: spread it over RGB.
      const pixels = info.width * info.height;
      const out = new Uint8Array(pixels * channels);
      for (let p = 0; p < pixels; p++)
        for (let c = 0; c < channels; c++) out[p * channels + c] = data[p * info.channels] as number;
      return { data: out, shape: [info.height, info.width, channels] };
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      shape: [info.height, info.width, channels],
    };
  } catch (error) {
    throw new DatasetError(
      `${path.resolve(file)}: cannot decode this image (${(error as Error).message}); replace it with a readable ` +
        `${IMAGE_EXTENSIONS.join('/')} file or delete it`,
    );
  }
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
