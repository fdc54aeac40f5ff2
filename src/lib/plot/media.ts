/**
 * Pictures of frames and clips: PNG strips and grids, animated GIF previews and
 * captioned galleries (e.g. misclassified clips), encoded with sharp. Captions
 * are HTML, not pixels, so they need no fonts on the machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';

import { displayData, escapeHtml, inNotebook } from '../notebook/display';
import type { ClipPipeline } from '../pipeline/types';

/** A clip laid out `[T,H,W,C]`, channels-last, C = 1 (gray) or 3 (RGB). */
export interface ClipLike {
  /** uint8 0..255, or float (0..1, 0..255, or normalised: see {@link MediaOptions.valueRange}). */
  readonly data: Uint8Array | Float32Array;
  readonly shape: readonly [number, number, number, number];
}

export interface MediaOptions {
  /** Integer upscale factor (small frames are hard to see). @default 4 */
  readonly scale?: number;
  /** Gap between tiles, in output pixels. @default 2 */
  readonly gap?: number;
  /**
   * How values map to 0..255. `auto`: uint8 as is; floats within 0..1 times 255;
   * other floats (e.g. normalised input) stretched from their min..max.
   * @default 'auto'
   */
  readonly valueRange?: 'auto' | 'unit' | 'byte' | 'minmax';
}

/** One RGB image, 3 bytes a pixel. */
interface RgbImage {
  readonly rgb: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Accepts a {@link ClipLike}, a `[T,H,W,C]` tensor, or a single `[H,W,C]` frame tensor. */
export type ClipInput = ClipLike | tf.Tensor;

/** Converts a clip to RGB frames, validating the layout. */
function clipFrames(input: ClipInput, options: MediaOptions): RgbImage[] {
  const clip = toClipLike(input);
  const [t, h, w, c] = clip.shape;
  if (clip.shape.length !== 4 || (c !== 1 && c !== 3)) {
    throw new Error(
      `expected a clip shaped [T,H,W,C] with C = 1 or 3, got [${clip.shape.join(',')}]; ` +
        'for a batch [N,T,H,W,C] pass one clip, for [T,C,H,W] transpose to channels-last',
    );
  }
  if (clip.data.length !== t * h * w * c) {
    throw new Error(
      `clip data has ${clip.data.length} values but shape [${clip.shape.join(',')}] needs ${t * h * w * c}`,
    );
  }
  const toByte = byteMapper(clip.data, options.valueRange ?? 'auto');
  const frames: RgbImage[] = [];
  for (let f = 0; f < t; f++) {
    const rgb = new Uint8Array(h * w * 3);
    const base = f * h * w * c;
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < 3; k++) rgb[p * 3 + k] = toByte(clip.data[base + p * c + (c === 1 ? 0 : k)] as number);
    }
    frames.push({ rgb, width: w, height: h });
  }
  return frames;
}

function toClipLike(input: ClipInput): ClipLike {
  if ('dataSync' in input && typeof input.dataSync === 'function') {
    const tensor = input as tf.Tensor;
    const shape = tensor.shape.length === 3 ? [1, ...tensor.shape] : tensor.shape;
    const values = tensor.dataSync();
    const data = values instanceof Uint8Array || values instanceof Float32Array ? values : Float32Array.from(values);
    return { data, shape: shape as unknown as ClipLike['shape'] };
  }
  return input as ClipLike;
}

function byteMapper(
  data: Uint8Array | Float32Array,
  range: NonNullable<MediaOptions['valueRange']>,
): (v: number) => number {
  let mode: string = range;
  let lo = 0;
  let hi = 255;
  if (mode === 'auto') mode = data instanceof Uint8Array ? 'byte' : 'minmax-or-unit';
  if (mode === 'minmax' || mode === 'minmax-or-unit') {
    lo = Infinity;
    hi = -Infinity;
    for (const v of data) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (mode === 'minmax-or-unit') mode = lo >= 0 && hi <= 1 ? 'unit' : hi <= 255 && lo >= 0 ? 'byte' : 'minmax';
  }
  if (mode === 'unit') return (v) => clampByte(v * 255);
  if (mode === 'byte') return clampByte;
  const span = hi - lo || 1;
  return (v) => clampByte(((v - lo) / span) * 255);
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Lays tiles out in rows of `columns`, upscaled by an integer factor, on a white canvas. */
function compose(tiles: readonly RgbImage[], columns: number, options: MediaOptions): RgbImage {
  if (tiles.length === 0) throw new Error('nothing to draw: the clip has no frames');
  const scale = Math.max(1, Math.round(options.scale ?? 4));
  const gap = Math.max(0, Math.round(options.gap ?? 2));
  const tileW = Math.max(...tiles.map((t) => t.width)) * scale;
  const tileH = Math.max(...tiles.map((t) => t.height)) * scale;
  const cols = Math.min(columns, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const width = cols * tileW + (cols - 1) * gap;
  const height = rows * tileH + (rows - 1) * gap;
  const rgb = new Uint8Array(width * height * 3).fill(255);
  tiles.forEach((tile, i) => {
    const x0 = (i % cols) * (tileW + gap);
    const y0 = Math.floor(i / cols) * (tileH + gap);
    for (let y = 0; y < tile.height * scale; y++) {
      const src = Math.floor(y / scale) * tile.width;
      const dst = ((y0 + y) * width + x0) * 3;
      for (let x = 0; x < tile.width * scale; x++) {
        const s = (src + Math.floor(x / scale)) * 3;
        rgb[dst + x * 3] = tile.rgb[s] as number;
        rgb[dst + x * 3 + 1] = tile.rgb[s + 1] as number;
        rgb[dst + x * 3 + 2] = tile.rgb[s + 2] as number;
      }
    }
  });
  return { rgb, width, height };
}

function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** The frames of a clip side by side, left to right, as PNG. */
export async function clipStripPng(clip: ClipInput, options: MediaOptions & { readonly maxFrames?: number } = {}) {
  const frames = pickEvenly(clipFrames(clip, options), options.maxFrames ?? 16);
  return encodePng(compose(frames, frames.length, options));
}

/** An animated, looping GIF of the clip (small: meant for previews). */
export async function clipGif(
  clip: ClipInput,
  options: MediaOptions & { readonly fps?: number } = {},
): Promise<Buffer> {
  const frames = clipFrames(clip, options).map((f) => compose([f], 1, { ...options, gap: 0 }));
  const first = frames[0] as RgbImage;
  const tall = new Uint8Array(first.rgb.length * frames.length);
  frames.forEach((f, i) => tall.set(f.rgb, i * f.rgb.length));
  const delay = Math.round(1000 / (options.fps ?? 8));
  return sharp(Buffer.from(tall.buffer), {
    raw: { width: first.width, height: first.height * frames.length, channels: 3, pageHeight: first.height },
  })
    .gif({ loop: 0, delay: frames.map(() => delay) })
    .toBuffer();
}

function pickEvenly<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))] as T);
}

function imgTag(bytes: Buffer, mime: 'image/png' | 'image/gif', alt: string): string {
  return `<img src="data:${mime};base64,${bytes.toString('base64')}" alt="${escapeHtml(alt)}" style="image-rendering:pixelated;max-width:100%">`;
}

/** Shows HTML in a notebook, or writes it as a page under out/figures/ and says where. */
function present(html: string, plain: string, fileStem: string): string | undefined {
  if (inNotebook()) {
    displayData({ 'text/html': html, 'text/plain': plain });
    return undefined;
  }
  const file = path.resolve('out', 'figures', `${fileStem}-${Date.now()}.html`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${html}</body></html>\n`);
  console.log(`actlab: ${plain} written to ${file}`);
  return file;
}

/** Shows a clip's frames as a strip, with an optional caption. Returns the file written outside a notebook. */
export async function showFrames(
  clip: ClipInput,
  options: MediaOptions & { readonly caption?: string; readonly maxFrames?: number } = {},
): Promise<string | undefined> {
  const png = await clipStripPng(clip, options);
  const caption = options.caption ? `<figcaption>${escapeHtml(options.caption)}</figcaption>` : '';
  return present(
    `<figure style="margin:0">${imgTag(png, 'image/png', options.caption ?? 'clip frames')}${caption}</figure>`,
    `[frames: ${options.caption ?? 'clip'}]`,
    'frames',
  );
}

/** Shows an animated preview of a clip. */
export async function showClipAnimation(
  clip: ClipInput,
  options: MediaOptions & { readonly caption?: string; readonly fps?: number } = {},
): Promise<string | undefined> {
  const gif = await clipGif(clip, options);
  const caption = options.caption ? `<figcaption>${escapeHtml(options.caption)}</figcaption>` : '';
  return present(
    `<figure style="margin:0">${imgTag(gif, 'image/gif', options.caption ?? 'clip')}${caption}</figure>`,
    `[animation: ${options.caption ?? 'clip'}]`,
    'animation',
  );
}

/**
 * One row per class, one tile per sample clip (its middle frame by default, or
 * the whole strip with `wholeClip`): what does each class look like?
 */
export async function showGrid(
  samplesPerClass: Readonly<Record<string, readonly ClipInput[]>>,
  options: MediaOptions & { readonly wholeClip?: boolean; readonly maxFrames?: number } = {},
): Promise<string | undefined> {
  const rows: string[] = [];
  for (const [label, clips] of Object.entries(samplesPerClass)) {
    const tiles = clips.flatMap((clip) => {
      const frames = clipFrames(clip, options);
      return options.wholeClip
        ? pickEvenly(frames, options.maxFrames ?? 8)
        : [frames[Math.floor(frames.length / 2)] as RgbImage];
    });
    const png = tiles.length > 0 ? await encodePng(compose(tiles, tiles.length, options)) : undefined;
    rows.push(
      `<tr><th style="text-align:right;padding-right:8px">${escapeHtml(label)}</th><td style="text-align:left">${png ? imgTag(png, 'image/png', label) : '<em>no samples</em>'}</td></tr>`,
    );
  }
  return present(`<table>${rows.join('')}</table>`, `[grid: ${Object.keys(samplesPerClass).length} classes]`, 'grid');
}

/**
 * The first `count` clips of one batch of a clip pipeline (`[T,H,W,C]` clips,
 * as augmentation left them, normalised or not), one strip per clip labelled
 * with its class: what the model is fed.
 */
export async function showBatch(
  clips: Pick<ClipPipeline, 'batches' | 'classes' | 'sampleShape'>,
  options: MediaOptions & { readonly count?: number; readonly maxFrames?: number } = {},
): Promise<string | undefined> {
  const shape = clips.sampleShape;
  if (shape.length !== 4) throw new Error(`showBatch needs a clip pipeline ([T,H,W,C] samples), got [${shape}]`);
  const [batch] = await clips.batches.take(1).toArray();
  if (!batch) return present('<em>no batch</em>', '[batch: empty]', 'grid');
  const length = batch.xs.length / batch.labels.length;
  const rows: Record<string, ClipInput[]> = {};
  Array.from(batch.labels)
    .slice(0, options.count ?? 6)
    .forEach((label, k) => {
      const data = batch.xs.subarray(k * length, (k + 1) * length);
      rows[`${clips.classes[label]} #${k}`] = [{ data, shape: shape as [number, number, number, number] }];
    });
  return showGrid(rows, { ...options, wholeClip: true });
}

export interface LabelledClip {
  readonly clip: ClipInput;
  readonly trueLabel: string;
  readonly predictedLabel: string;
  /** Probability of the predicted class, 0..1. */
  readonly confidence?: number;
  /** Where it came from (file name), shown under the caption. */
  readonly source?: string;
}

/** Misclassified (or any labelled) clips side by side: frames, true and predicted labels. */
export async function showMisclassified(
  examples: readonly LabelledClip[],
  options: MediaOptions & { readonly maxFrames?: number } = {},
): Promise<string | undefined> {
  const cards: string[] = [];
  for (const ex of examples) {
    const png = await clipStripPng(ex.clip, { maxFrames: 8, ...options });
    const confidence = ex.confidence === undefined ? '' : ` (${(ex.confidence * 100).toFixed(0)}%)`;
    const caption =
      `true <b>${escapeHtml(ex.trueLabel)}</b> → predicted <b>${escapeHtml(ex.predictedLabel)}</b>${confidence}` +
      (ex.source ? `<br><small>${escapeHtml(ex.source)}</small>` : '');
    cards.push(
      `<figure style="margin:4px 0">${imgTag(png, 'image/png', `${ex.trueLabel} vs ${ex.predictedLabel}`)}<figcaption>${caption}</figcaption></figure>`,
    );
  }
  const html = cards.length > 0 ? cards.join('') : '<p>No examples to show.</p>';
  return present(html, `[${examples.length} labelled clips]`, 'misclassified');
}
