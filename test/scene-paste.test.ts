/**
 * Person masks and empty scenes from a dataset's manifest to the scene paste:
 * a hand-made set (a white square, the "person", moving over a coloured
 * scene) is read, extracted with its masks and scenes, and streamed with the
 * paste on; every background pixel must then come from an empty scene.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';

import sharp from 'sharp';

import { loadDataset } from '../src/lib/data';
import { createClipPipeline, openMaskSource, pasteScene, readScenePlates, selectSplit } from '../src/lib/pipeline';
import { cacheSource } from '../src/lib/pipeline';
import { readCacheInfo } from '../src/lib/recipes';
import { extractDataset } from '../src/lib/video';
import { encodeFrames } from '../src/lib/video/encode';
import { tempDir } from './helpers/fixtures';

const SIZE = 32;
const FRAMES = 8;
/** The scenes clips are filmed in, and the empty scenes shipped for pasting: far apart in colour. */
const FILMED: Record<string, [number, number, number]> = { red: [200, 30, 30], blue: [30, 30, 200] };
const PLATES: Record<string, [number, number, number]> = { green: [30, 200, 30], yellow: [220, 220, 40] };

let root: string;
let cache: string;

/** A frame of `colour` with a white 8×8 square at x = 4 + 2t: the person, and its mask. */
function drawFrame(colour: readonly number[], t: number): { frame: Uint8Array; mask: Uint8Array } {
  const frame = new Uint8Array(SIZE * SIZE * 3);
  const mask = new Uint8Array(SIZE * SIZE);
  for (let p = 0; p < SIZE * SIZE; p++) {
    const x = p % SIZE;
    const y = Math.floor(p / SIZE);
    const person = x >= 4 + 2 * t && x < 12 + 2 * t && y >= 12 && y < 20;
    mask[p] = person ? 255 : 0;
    for (let c = 0; c < 3; c++) frame[p * 3 + c] = person ? 250 : (colour[c] as number);
  }
  return { frame, mask };
}

before(async () => {
  root = tempDir('actlab-paste-');
  const items: unknown[] = [];
  const splits = ['train', 'train', 'test', 'swapped'] as const;
  for (const [label, scene] of [
    ['wave', 'red'],
    ['walk', 'blue'],
  ] as const) {
    for (const [k, split] of splits.entries()) {
      const drawn = Array.from({ length: FRAMES }, (_, t) => drawFrame(FILMED[scene] as number[], t));
      const name = `a${k}_${label}.mp4`;
      fs.mkdirSync(path.join(root, label), { recursive: true });
      fs.mkdirSync(path.join(root, 'masks', label), { recursive: true });
      const encode = { width: SIZE, height: SIZE, fps: 8 };
      await encodeFrames(
        path.join(root, label, name),
        drawn.map((d) => d.frame),
        encode,
      );
      const rgbMasks = drawn.map((d) =>
        Uint8Array.from({ length: SIZE * SIZE * 3 }, (_, i) => d.mask[Math.floor(i / 3)] as number),
      );
      await encodeFrames(path.join(root, 'masks', label, name), rgbMasks, { ...encode, crf: 0 });
      items.push({ path: `${label}/${name}`, label, group: `a${k}`, split, mask: `masks/${label}/${name}`, scene });
    }
  }
  fs.mkdirSync(path.join(root, 'scenes'));
  const scenes = [];
  for (const [scene, colour] of Object.entries(PLATES)) {
    const plate = new Uint8Array(SIZE * SIZE * 3).map((_, i) => colour[i % 3] as number);
    await sharp(plate, { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .png()
      .toFile(path.join(root, 'scenes', `${scene}.png`));
    scenes.push({ path: `scenes/${scene}.png`, scene });
  }
  fs.writeFileSync(path.join(root, 'manifest.json'), JSON.stringify({ format: 'actlab-synth', items, scenes }));
  cache = path.join(tempDir('actlab-paste-cache-'), 'cache');
  const result = await extractDataset(loadDataset(root), { out: cache, frames: FRAMES, width: SIZE, height: SIZE });
  assert.ok(result.complete);
});

test('the manifest gives masks, scenes and the swapped split; masks/ and scenes/ are not classes', () => {
  const dataset = loadDataset(root);
  assert.deepEqual(dataset.classes, ['walk', 'wave']);
  assert.equal(dataset.items.length, 8);
  assert.ok(dataset.items.every((item) => item.mask?.startsWith(path.join(root, 'masks') + path.sep)));
  assert.deepEqual(
    dataset.items.filter((item) => item.split === 'swapped').map((item) => path.basename(item.path)),
    ['a3_walk.mp4', 'a3_wave.mp4'],
  );
  assert.deepEqual(dataset.scenes?.map((scene) => scene.label).sort(), ['green', 'yellow']);
  assert.deepEqual(dataset.warnings, []);
});

test('a manifest mask outside the dataset folder is refused, naming the path', () => {
  const bad = tempDir('actlab-paste-bad-');
  fs.mkdirSync(path.join(bad, 'wave'));
  fs.copyFileSync(path.join(root, 'wave', 'a0_wave.mp4'), path.join(bad, 'wave', 'a0_wave.mp4'));
  const items = [{ path: 'wave/a0_wave.mp4', label: 'wave', group: 'a0', split: 'train', mask: '../x.mp4' }];
  fs.writeFileSync(path.join(bad, 'manifest.json'), JSON.stringify({ format: 'actlab-synth', items }));
  assert.throws(() => loadDataset(bad), /"\.\.\/x\.mp4" leaves/);
});

test('extract writes the masks and scenes beside the clips, lined up; the cache reports them', async () => {
  const info = readCacheInfo(cache);
  assert.equal(info.masked, true);
  assert.deepEqual(info.splits, { train: 4, test: 2, swapped: 2 });
  const source = cacheSource(cache);
  const masks = openMaskSource(cache);
  assert.ok(masks, 'mask source');
  assert.deepEqual(masks.shape, [FRAMES, SIZE, SIZE, 1]);
  assert.deepEqual(selectSplit(source, 'swapped').length, 2);
  for (const i of [0, 5]) {
    const clip = await source.read(i);
    const mask = await masks.read(i);
    // Where the mask says person the clip is white; elsewhere it is the scene's colour.
    for (let p = 0; p < mask.length; p += 7) {
      const red = clip[p * 3] as number;
      const blue = clip[p * 3 + 2] as number;
      if ((mask[p] as number) > 200) assert.ok(red > 200 && blue > 200, `person pixel ${p} of clip ${i}`);
      if ((mask[p] as number) < 30) assert.ok(Math.min(red, blue) < 100, `scene pixel ${p} of clip ${i}`);
    }
  }
  await Promise.all([masks.close(), source.close()]);
  const plates = readScenePlates(cache);
  assert.deepEqual(plates?.scenes, ['green', 'yellow']);
  assert.deepEqual(plates?.frame, [SIZE, SIZE, 3]);
});

test('pasteScene blends by the mask and checks the sizes', () => {
  const plates = { scenes: ['s'], frame: [1, 2, 1] as const, data: Uint8Array.from([100, 200]) };
  const clip = Uint8Array.from([0, 0, 50, 50]); // two frames of two pixels
  pasteScene(clip, Uint8Array.from([255, 0, 0, 255]), plates, 0);
  assert.deepEqual([...clip], [0, 200, 100, 50]);
  assert.throws(() => pasteScene(new Uint8Array(4), new Uint8Array(3), plates, 0), /do not fit/);
});

/** The first channel of every pixel of every sample, with its class. */
async function firstEpoch(workers: number, scenePaste: number): Promise<Float32Array[]> {
  const pipeline = createClipPipeline(cache, {
    split: 'train',
    batchSize: 2,
    seed: 3,
    workers,
    augment: { flip: 0, cropScale: [1, 1], rotation: 0, zoom: 0, brightness: 0, contrast: 0, maxStride: 1, scenePaste },
  });
  const batches: Float32Array[] = [];
  try {
    for await (const batch of pipeline.epoch(0)) batches.push(batch.xs);
  } finally {
    await pipeline.close();
  }
  return batches;
}

test('the scene paste puts every training person in front of an empty scene, the same on both paths', async () => {
  const pasted = await firstEpoch(0, 1);
  const sample = FRAMES * SIZE * SIZE * 3;
  const plateColours = Object.values(PLATES);
  for (const xs of pasted) {
    for (let s = 0; s * sample < xs.length; s++) {
      // A pixel far from the square's path: the pasted scene shows there, whole.
      const at = s * sample + (2 * SIZE + 2) * 3;
      const rgb = [0, 1, 2].map((c) => Math.round((xs[at + c] as number) * 255));
      assert.ok(
        plateColours.some((colour) => colour.every((v, c) => Math.abs(v - (rgb[c] as number)) <= 3)),
        `sample ${s} background ${rgb} is an empty scene's colour`,
      );
      const person = s * sample + (15 * SIZE + 6) * 3; // inside the square in frame 0
      assert.ok((xs[person] as number) > 0.9, `sample ${s} keeps its person`);
    }
  }
  const fromWorker = await firstEpoch(1, 1);
  assert.deepEqual(fromWorker, pasted, 'worker thread and main thread make the same pasted batches');
  const plain = await firstEpoch(0, 0);
  assert.notDeepEqual(plain, pasted);
  const unchanged = plain[0] as Float32Array;
  const red = Math.round((unchanged[(2 * SIZE + 2) * 3] as number) * 255);
  assert.ok(red > 150 || red < 60, 'without the paste the filmed scene stays');
});

test('the scene paste on a cache without masks says what to do', async () => {
  const bare = tempDir('actlab-paste-bare-');
  const dataset = loadDataset(root);
  const noMasks = { ...dataset, items: dataset.items.map(({ mask: _mask, ...item }) => item), scenes: undefined };
  await extractDataset(noMasks, { out: bare, frames: FRAMES, width: SIZE, height: SIZE });
  assert.equal(readCacheInfo(bare).masked, false);
  assert.equal(openMaskSource(bare), undefined);
  assert.throws(
    () => createClipPipeline(bare, { augment: { scenePaste: 0.5 } }),
    /augment\.scenePaste needs person masks .* no person masks: extract a dataset that ships them/,
  );
});
