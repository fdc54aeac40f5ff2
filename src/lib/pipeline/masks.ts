/**
 * The person masks and empty scenes a cache may hold beside its clips
 * (`CACHE/masks/`, `CACHE/scenes/`: extracted from a dataset that ships them,
 * such as the bundled people set), and the scene paste that uses them: the
 * person of a clip cut out with its mask and put in front of another scene.
 * Reads here are blocking on purpose: the batch worker thread calls them too.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { MASKS_FOLDER, SCENES_FOLDER, shardName } from '../video/cache-format';
import { type ClipCache, openClipCache } from '../video/cache-reader';
import type { ClipSource } from './source';

/** Reads clips of one cache by blocking positioned reads, keeping one file open per shard. */
export class SyncClipReader {
  private readonly files = new Map<number, number>();
  constructor(readonly cache: ClipCache) {}

  /** Clip `i` into `into` (at least one clip long), or a fresh array. */
  read(i: number, into?: Uint8Array): Uint8Array {
    const entry = this.cache.clips[i];
    if (!entry) throw new RangeError(`clip ${i} is out of range: ${this.cache.dir} holds ${this.cache.clips.length}`);
    let fd = this.files.get(entry.shard);
    if (fd === undefined) {
      fd = fs.openSync(path.join(this.cache.dir, `${shardName(entry.shard)}.bin`), 'r');
      this.files.set(entry.shard, fd);
    }
    const out = into ?? new Uint8Array(entry.length);
    if (fs.readSync(fd, out, 0, entry.length, entry.offset) !== entry.length) {
      throw new Error(`${this.cache.dir}: shard ${entry.shard} is truncated; delete the cache and extract again`);
    }
    return out;
  }

  close(): void {
    for (const fd of this.files.values()) fs.closeSync(fd);
    this.files.clear();
  }
}

/** A cache's person masks, lined up with its clips. */
export interface CacheMasks {
  readonly reader: SyncClipReader;
  /** For clip i of the cache, the index of its mask in `reader`'s cache, or -1 when it has none. */
  readonly maskOf: Int32Array;
  /** `[T,H,W,1]` of every mask. */
  readonly shape: readonly [number, number, number, number];
}

/**
 * The masks of the cache in `cacheDir`, or undefined when it holds none.
 * Throws when they do not fit its clips (another frame count or size), which
 * only a hand-edited cache can cause.
 */
export function openCacheMasks(cacheDir: string, clips: ClipCache = openClipCache(cacheDir)): CacheMasks | undefined {
  const dir = path.join(cacheDir, MASKS_FOLDER);
  if (!fs.existsSync(path.join(dir, 'cache.json'))) return undefined;
  const cache = openClipCache(dir);
  const [frames, height, width] = clips.shape;
  if (cache.shape[0] !== frames || cache.shape[1] !== height || cache.shape[2] !== width || cache.shape[3] !== 1) {
    throw new Error(
      `${dir} holds masks of [${cache.shape.join(',')}] but the clips are [${clips.shape.join(',')}]: ` +
        `delete ${dir} and extract again`,
    );
  }
  const byPath = new Map(cache.clips.map((entry, i) => [entry.path, i]));
  const maskOf = Int32Array.from(clips.clips, (entry) => (entry.mask ? (byPath.get(entry.mask) ?? -1) : -1));
  if (!maskOf.some((i) => i >= 0)) return undefined;
  return { reader: new SyncClipReader(cache), maskOf, shape: cache.shape };
}

/**
 * The person masks of a cache as a {@link ClipSource} lined up with
 * `cacheSource(cacheDir)`: entry i is the mask of clip i (`[T,H,W,1]`, 255 =
 * person). Undefined when the cache holds no masks, or some clip has none.
 */
export function openMaskSource(cacheDir: string): ClipSource | undefined {
  const clips = openClipCache(cacheDir);
  const masks = openCacheMasks(cacheDir, clips);
  if (!masks) return undefined;
  if (masks.maskOf.some((i) => i < 0)) {
    masks.reader.close();
    return undefined;
  }
  return {
    description: `masks of cache ${clips.dir}`,
    kind: 'cache',
    classes: clips.classes,
    shape: masks.shape,
    entries: clips.clips,
    read: async (i) => masks.reader.read(masks.maskOf[i] as number),
    suggestedConcurrency: 4,
    close: async () => masks.reader.close(),
  };
}

/** The empty scenes of a cache: one frame each, all in memory (a few MB). */
export interface ScenePlates {
  /** Scene name of each plate. */
  readonly scenes: readonly string[];
  /** `[H,W,C]` of one plate. */
  readonly frame: readonly [number, number, number];
  /** Plate k is `data.subarray(k * H*W*C, (k + 1) * H*W*C)`. */
  readonly data: Uint8Array;
}

/** The empty scenes of the cache in `cacheDir`, or undefined when it holds none. */
export function readScenePlates(cacheDir: string, clips: ClipCache = openClipCache(cacheDir)): ScenePlates | undefined {
  const dir = path.join(cacheDir, SCENES_FOLDER);
  if (!fs.existsSync(path.join(dir, 'cache.json'))) return undefined;
  const cache = openClipCache(dir);
  const [, height, width, channels] = clips.shape;
  if (cache.shape[1] !== height || cache.shape[2] !== width || cache.shape[3] !== channels) {
    throw new Error(
      `${dir} holds scenes of [${cache.shape.slice(1).join(',')}] but the clips' frames are ` +
        `[${clips.shape.slice(1).join(',')}]: delete ${dir} and extract again`,
    );
  }
  const frameLength = height * width * channels;
  const data = new Uint8Array(cache.clips.length * frameLength);
  const reader = new SyncClipReader(cache);
  try {
    // A scene cache holds one frame per clip; frames beyond the first (none today) are ignored.
    cache.clips.forEach((_, k) => data.set(reader.read(k).subarray(0, frameLength), k * frameLength));
  } finally {
    reader.close();
  }
  if (cache.clips.length === 0) return undefined;
  return { scenes: cache.clips.map((entry) => entry.label), frame: [height, width, channels], data };
}

/**
 * Puts the person of `clip` (`[T,H,W,C]` uint8) in front of plate `plate`,
 * in place: each pixel becomes mask·clip + (1 − mask)·plate, with the
 * clip's mask (`[T,H,W,1]`, 255 = person) and the same plate behind every frame.
 */
export function pasteScene(clip: Uint8Array, mask: Uint8Array, plates: ScenePlates, plate: number): void {
  const [height, width, channels] = plates.frame;
  const pixels = height * width;
  const frameLength = pixels * channels;
  const frames = clip.length / frameLength;
  if (!Number.isInteger(frames) || mask.length !== frames * pixels) {
    throw new Error(
      `scene paste: a clip of ${clip.length} values and a mask of ${mask.length} do not fit frames of [${plates.frame.join(',')}]`,
    );
  }
  const base = plate * frameLength;
  for (let t = 0; t < frames; t++) {
    for (let p = 0; p < pixels; p++) {
      const m = mask[t * pixels + p] as number;
      if (m === 255) continue;
      const at = t * frameLength + p * channels;
      for (let c = 0; c < channels; c++) {
        const behind = plates.data[base + p * channels + c] as number;
        clip[at + c] = Math.round((m * (clip[at + c] as number) + (255 - m) * behind) / 255);
      }
    }
  }
}
