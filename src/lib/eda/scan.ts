/**
 * Probes every item of a dataset (a few ffprobe processes at a time) and
 * hashes its content: one row per item, unreadable files listed with their
 * error instead of thrown.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';

import { imageInfo } from '../data/image-decode';
import type { Split, VideoDataset, VideoItem } from '../data/types';
import { probe } from '../video/probe';

export interface ItemRow {
  readonly path: string;
  readonly label: string;
  readonly group: string;
  readonly split: Split | null;
  readonly frames: number | null;
  readonly fps: number | null;
  readonly width: number | null;
  readonly height: number | null;
  readonly duration_s: number | null;
  readonly codec: string | null;
  /** Bytes on disk (all frames for a frame folder). */
  readonly bytes: number | null;
  /** SHA-256 of the file (or of the concatenated frame files). */
  readonly sha256: string | null;
  /** Null when readable; else what went wrong and what to do. */
  readonly error: string | null;
}

export interface ScanOptions {
  /** ffprobe processes at once. @default CPU cores */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export async function scanDataset(dataset: VideoDataset, options: ScanOptions = {}): Promise<ItemRow[]> {
  const rows: ItemRow[] = new Array(dataset.items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < dataset.items.length) {
      const i = next++;
      rows[i] = await scanItem(dataset.items[i] as VideoItem, options.signal);
      options.onProgress?.(++done, dataset.items.length);
    }
  };
  const k = Math.max(1, options.concurrency ?? os.cpus().length);
  await Promise.all(Array.from({ length: Math.min(k, dataset.items.length) }, worker));
  return rows;
}

async function scanItem(item: VideoItem, signal?: AbortSignal): Promise<ItemRow> {
  const base = { path: item.path, label: item.label, group: item.group, split: item.split ?? null };
  const empty = { frames: null, fps: null, width: null, height: null, duration_s: null, codec: null };
  try {
    if (item.kind !== 'video') {
      // Photos and frame folders: read as extract reads them, through the image decoder.
      const files = item.kind === 'image' ? [item.path] : (item.frameFiles ?? []);
      const first = files[0] ? await imageInfo(files[0]) : undefined;
      return {
        ...base,
        frames: files.length,
        fps: null,
        width: first?.width ?? null,
        height: first?.height ?? null,
        duration_s: null,
        codec: first?.format ?? null,
        bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0),
        sha256: await hashFiles(files),
        error: null,
      };
    }
    const info = await probe(item.path, { signal });
    return {
      ...base,
      frames: info.frames,
      fps: round(info.fps, 3),
      width: info.width,
      height: info.height,
      duration_s: round(info.duration, 3),
      codec: info.codec,
      bytes: info.bytes,
      sha256: await hashFiles([item.path]),
      error: null,
    };
  } catch (error) {
    if (signal?.aborted) throw error;
    const bytes = fs.statSync(item.path, { throwIfNoEntry: false })?.size ?? null;
    return { ...base, ...empty, bytes, sha256: null, error: (error as Error).message };
  }
}

/** Streams the files through SHA-256 (never whole in memory). */
async function hashFiles(files: readonly string[]): Promise<string> {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
