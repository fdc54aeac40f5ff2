/** A PNG grid of sample frames: one row per class, a few clips across, middle frame of each. */
import sharp from 'sharp';

import type { VideoDataset, VideoItem } from '../data/types';
import { extractItemClip } from '../video/clip';

export interface FrameGridOptions {
  /** Clips shown per class. @default 4 */
  readonly perClass?: number;
  /** Tile size in pixels. @default 64 */
  readonly tile?: number;
  /** Gap between tiles in pixels. @default 2 */
  readonly gap?: number;
}

/**
 * Writes the grid to `file` (PNG) and returns its size. Unreadable items are
 * passed over (the scan lists them); a class with none readable stays black.
 */
export async function sampleFrameGrid(
  dataset: VideoDataset,
  file: string,
  options: FrameGridOptions = {},
): Promise<{ width: number; height: number }> {
  const perClass = options.perClass ?? 4;
  const tile = options.tile ?? 64;
  const gap = options.gap ?? 2;
  const width = perClass * (tile + gap) + gap;
  const height = dataset.classes.length * (tile + gap) + gap;
  const canvas = new Uint8Array(width * height * 3);
  for (const [row, label] of dataset.classes.entries()) {
    const items = dataset.items.filter((item) => item.label === label);
    let column = 0;
    for (const item of items) {
      if (column >= perClass) break;
      const frame = await middleFrame(item, tile);
      if (!frame) continue;
      const x0 = gap + column * (tile + gap);
      const y0 = gap + row * (tile + gap);
      for (let y = 0; y < tile; y++)
        canvas.set(frame.subarray(y * tile * 3, (y + 1) * tile * 3), ((y0 + y) * width + x0) * 3);
      column++;
    }
  }
  await sharp(canvas, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(file);
  return { width, height };
}

async function middleFrame(item: VideoItem, tile: number): Promise<Uint8Array | undefined> {
  try {
    // One frame sampled uniformly is the middle one.
    const clip = await extractItemClip(item, { frames: 1, width: tile, height: tile, resize: 'pad' });
    return clip.data;
  } catch {
    return undefined;
  }
}
