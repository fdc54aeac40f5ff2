/**
 * The one image decoder: `extract` (photos and frame folders), the image
 * pipeline, `eda` and `data.decodeImage` all read pixels through here, so a
 * CMYK JPEG, a 16-bit PNG or a photo with alpha gives the same colours
 * everywhere (sharp: CMYK through its ICC profile to sRGB, 16 bits to 8,
 * alpha dropped). Images over {@link MAX_IMAGE_PIXELS} are refused from their
 * header, before any memory is spent on them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import sharp, { type Metadata } from 'sharp';

import { describeFsError } from '../util/fs-error';
import { DatasetError, IMAGE_EXTENSIONS } from './types';

/** The largest image decoded: 8192 × 8192 (64 MP, 192 MiB as RGB); larger ones are refused, naming their size. */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

/** One decoded image: `[H,W,C]` uint8, row-major, channels-last, 0..255. */
export interface DecodedImage {
  readonly data: Uint8Array;
  readonly shape: readonly [number, number, number];
}

/** How an image meets another aspect ratio: stretched, centre-cropped, or padded with black (as `extract --resize`). */
export type ImageFit = 'stretch' | 'crop' | 'pad';

export interface DecodeImageOptions {
  /** Resize to `[height, width]`. @default the file's size */
  readonly size?: readonly [number, number];
  /** @default 'stretch' (as the image projects' loaders do) */
  readonly fit?: ImageFit;
  /** 3 for RGB, 1 for gray. @default 3 */
  readonly channels?: 1 | 3;
}

/** What an image's header says, read without decoding its pixels. */
export interface ImageInfo {
  readonly width: number;
  readonly height: number;
  /** `jpeg`, `png`, `webp`, ... */
  readonly format: string;
  /** `srgb`, `cmyk`, `b-w`, `rgb16`, ... */
  readonly space: string;
  /** 8 or 16. */
  readonly bitsPerChannel: number;
}

const SHARP_FIT = { stretch: 'fill', crop: 'cover', pad: 'contain' } as const;

/**
 * Reads an image's header: its size, format and colour space. Throws a
 * {@link DatasetError} naming the file and what to do when it cannot be read,
 * is not an image, or is larger than {@link MAX_IMAGE_PIXELS}.
 */
export async function imageInfo(file: string): Promise<ImageInfo> {
  return headerOf(file, await readImageBytes(file));
}

/**
 * Decodes an image file (PNG, JPEG, WebP, ...) to 8-bit sRGB or gray pixels,
 * resized when asked. Throws a {@link DatasetError} naming the file and what
 * to do when it cannot be read, is not an image, or is too large.
 */
export async function decodeImage(file: string, options: DecodeImageOptions = {}): Promise<DecodedImage> {
  const channels = options.channels ?? 3;
  const bytes = await readImageBytes(file);
  await headerOf(file, bytes);
  try {
    let image = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).removeAlpha();
    if (options.size) {
      const [height, width] = options.size;
      image = image.resize(width, height, { fit: SHARP_FIT[options.fit ?? 'stretch'], background: '#000' });
    }
    image = channels === 1 ? image.toColourspace('b-w') : image.toColourspace('srgb');
    const { data, info } = await image.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return {
      data: withChannels(data, info.width * info.height, info.channels, channels),
      shape: [info.height, info.width, channels],
    };
  } catch (error) {
    throw cannotDecode(file, error);
  }
}

async function readImageBytes(file: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(file);
  } catch (error) {
    throw new DatasetError(describeFsError(error) ?? `${file}: cannot read (${(error as Error).message})`);
  }
}

async function headerOf(file: string, bytes: Buffer): Promise<ImageInfo> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw cannotDecode(file, error);
  }
  const { width = 0, height = 0 } = meta;
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new DatasetError(
      `${path.resolve(file)}: ${width}×${height} pixels is more than the ${MAX_IMAGE_PIXELS.toLocaleString('en-US')} ` +
        `(8192×8192) actlab decodes; shrink it first (e.g. "convert IN -resize 4096x4096 OUT") or remove it`,
    );
  }
  const depth = meta.depth === 'ushort' || meta.depth === 'short' ? 16 : 8;
  return { width, height, format: meta.format ?? 'unknown', space: meta.space ?? 'unknown', bitsPerChannel: depth };
}

function cannotDecode(file: string, error: unknown): DatasetError {
  return new DatasetError(
    `${path.resolve(file)}: cannot decode this image (${(error as Error).message}); replace it with a readable ` +
      `${IMAGE_EXTENSIONS.join('/')} file or delete it`,
  );
}

/** sharp keeps one channel for a gray source asked for RGB: spread it over the channels. */
function withChannels(data: Buffer, pixels: number, have: number, want: number): Uint8Array {
  if (have === want) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(pixels * want);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < want; c++) out[p * want + c] = data[p * have] as number;
  return out;
}
