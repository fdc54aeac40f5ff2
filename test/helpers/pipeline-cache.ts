/**
 * Clip caches for the pipeline tests: a real one (synth videos → ffmpeg →
 * `extractDataset`) and a fast one written straight in the cache format from
 * clips drawn by the synth renderer or a given function (no ffmpeg, any size).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadDataset } from '../../src/lib/data';
import type { Split } from '../../src/lib/data/types';
import { generateSyntheticDataset } from '../../src/lib/synth';
import { randomActor, randomClipParams, renderClip } from '../../src/lib/synth/render';
import { createRng } from '../../src/lib/util/random';
import { extractDataset } from '../../src/lib/video';
import {
  CACHE_FORMAT,
  type CacheClipEntry,
  type CachePlan,
  sha256,
  shardName,
  writeAtomic,
} from '../../src/lib/video/cache-format';
import { tempDir } from './fixtures';

export interface RealCache {
  readonly root: string;
  readonly cache: string;
}

/** Renders and encodes a small synth dataset, then extracts it: 4 classes × 6 clips, 6 actors split 4/1/1. */
export async function makeRealCache(
  options: { frames?: number; size?: number; gray?: boolean } = {},
): Promise<RealCache> {
  const { frames = 8, size = 16, gray = false } = options;
  const root = tempDir('actlab-pipe-data-');
  await generateSyntheticDataset({
    out: root,
    classes: ['move_left', 'move_right', 'grow', 'rotate_cw', 'rotate_ccw'],
    perClass: 6,
    actors: 6,
    frames,
    width: size,
    height: size,
    concurrency: 2,
  });
  const cache = path.join(tempDir('actlab-pipe-cache-'), 'cache');
  await extractDataset(loadDataset(root), {
    out: cache,
    frames,
    width: size,
    height: size,
    pixelFormat: gray ? 'gray' : 'rgb24',
    workers: 2,
    clipsPerShard: 8,
  });
  return { root, cache };
}

export interface WrittenCacheOptions {
  readonly clips: number;
  /** `[T,H,W,C]`. */
  readonly shape: readonly [number, number, number, number];
  /** @default ['move_left', 'move_right', 'grow'] */
  readonly classes?: readonly string[];
  /** Clip i's `[T,H,W,C]` uint8 bytes. @default synth-rendered clips (C=3), a few reused */
  readonly clip?: (i: number) => Uint8Array;
  /** @default train for 4 of every 6 clips, then val, test */
  readonly split?: (i: number) => Split | null;
  /** @default 64 */
  readonly clipsPerShard?: number;
}

/** Writes a complete cache to `dir` in the on-disk format `extractDataset` makes. */
export function writeClipCache(dir: string, options: WrittenCacheOptions): string {
  const classes = options.classes ?? ['move_left', 'move_right', 'grow'];
  const [frames, height, width, channels] = options.shape;
  const perShard = options.clipsPerShard ?? 64;
  const split = options.split ?? ((i: number) => (['train', 'train', 'train', 'train', 'val', 'test'] as const)[i % 6]);
  const rendered = new Map<number, Uint8Array>();
  const clipOf =
    options.clip ??
    ((i: number): Uint8Array => {
      const key = i % 6; // rendering is slow next to reading: reuse a few clips
      let data = rendered.get(key);
      if (!data) {
        const rng = createRng(`clip${key}`);
        const render = { width, height, frames };
        const list = renderClip(
          classes[key % classes.length] as string,
          randomActor(`a${key}`, rng),
          randomClipParams(render, rng),
          render,
          rng,
        );
        data = new Uint8Array(frames * height * width * 3);
        list.forEach((frame, t) => data?.set(frame, t * frame.length));
        rendered.set(key, data);
      }
      return data;
    });
  fs.mkdirSync(dir, { recursive: true });
  const items = Array.from({ length: options.clips }, (_, i) => ({
    path: path.join(dir, 'src', `clip${i}.mp4`),
    label: classes[i % classes.length] as string,
    group: `g${i % 6}`,
    split: split(i) ?? null,
  }));
  const shardCount = Math.ceil(options.clips / perShard);
  const plan: CachePlan = {
    format: CACHE_FORMAT,
    version: 1,
    config: {
      frames,
      width,
      height,
      channels: channels as 1 | 3,
      pixelFormat: channels === 1 ? 'gray' : 'rgb24',
      resize: 'crop',
      fps: null,
      sampler: 'uniform',
      stride: 1,
      seed: 0,
      dtype: 'uint8',
    },
    dataset: { root: path.join(dir, 'src'), layout: 'folder' },
    classes,
    clipsPerShard: perShard,
    shardCount,
    items,
  };
  writeAtomic(path.join(dir, 'cache.json'), JSON.stringify(plan));
  for (let shard = 0; shard < shardCount; shard++) {
    const name = shardName(shard);
    const fd = fs.openSync(path.join(dir, `${name}.bin`), 'w');
    const clips: CacheClipEntry[] = [];
    let offset = 0;
    for (let i = shard * perShard; i < Math.min(options.clips, (shard + 1) * perShard); i++) {
      const data = clipOf(i);
      if (data.length !== frames * height * width * channels) throw new Error(`clip ${i} has ${data.length} bytes`);
      fs.writeSync(fd, data);
      const item = items[i] as CachePlan['items'][number];
      clips.push({
        ...item,
        item: i,
        labelIndex: classes.indexOf(item.label),
        shard,
        offset,
        length: data.length,
        sha256: sha256(data),
        sourceFrames: frames,
      });
      offset += data.length;
    }
    fs.closeSync(fd);
    const bytes = fs.readFileSync(path.join(dir, `${name}.bin`));
    const record = { shard, file: `${name}.bin`, bytes: offset, sha256: sha256(bytes), clips, skipped: [] };
    writeAtomic(path.join(dir, `${name}.json`), JSON.stringify(record));
  }
  return dir;
}
