/**
 * The still-image chapter's parts: the still renderer and set writer, the
 * image-folder reader (layout, unreadable image, wrong layouts) and the
 * streaming image pipeline (shapes, seeds, augmentation, tensors).
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import * as zlib from 'node:zlib';

import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';

import { DatasetError, decodeImage, imageInfo, loadDataset, readImageFolder } from '../src/lib/data';
import { augmentedCopies, createImagePipeline, imageSource, type SampleBatch } from '../src/lib/pipeline';
import {
  generateStillSet,
  insideStillShape,
  randomActor,
  randomClipParams,
  renderClip,
  SHAPES,
  STILL_SHAPES,
} from '../src/lib/synth';
import { insideShape } from '../src/lib/synth/render';
import { createRng } from '../src/lib/util/random';
import { openClipCache } from '../src/lib/video';
import { lastJson, runCli, tempDir } from './helpers/fixtures';

const small = { classes: ['star', 'ring', 'square'] as const, scenes: 6, perScene: 2, size: 16, seed: 3 };

let stills: string;
before(async () => {
  await tf.setBackend('cpu');
  stills = tempDir();
  await generateStillSet({ ...small, out: stills });
});

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

const sha = (bytes: Uint8Array): string => crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16);

async function epoch(batches: AsyncIterable<SampleBatch>): Promise<SampleBatch[]> {
  const out: SampleBatch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

test('the video renderer draws exactly what it drew before the still renderer shared its code', () => {
  // Hashes of the renderer at the commit before stills existed: the bundled set must regenerate byte-identically.
  const options = { width: 16, height: 16, frames: 3 };
  const hashes = SHAPES.map((shape, i) => {
    const actor = { ...randomActor(`a${i}`, createRng(10 + i)), shape };
    const params = randomClipParams(options, createRng(20 + i));
    return sha(Buffer.concat(renderClip('rotate_cw', actor, params, options, createRng(30 + i))));
  });
  assert.deepEqual(hashes, ['a21d9637b10388b1', '594edc3f534cb43d', '56f926745ec9c2ab', '4de70a3f3a772b9b']);
});

test('stills: the video shapes are drawn by the shared rule, and every still-only shape differs from all others', () => {
  const points = Array.from({ length: 41 * 41 }, (_, i) => [(i % 41) / 20 - 1, Math.floor(i / 41) / 20 - 1] as const);
  for (const shape of SHAPES) {
    for (const [x, y] of points)
      assert.equal(insideStillShape(shape, x, y), insideShape(shape, x, y), `${shape} ${x},${y}`);
  }
  const masks = STILL_SHAPES.map((shape) => points.map(([x, y]) => (insideStillShape(shape, x, y) ? 1 : 0)).join(''));
  assert.equal(new Set(masks).size, STILL_SHAPES.length, 'no two shapes have the same silhouette');
  assert.ok(masks.every((m) => m.includes('1') && m.includes('0')));
});

test('still sets: the same seed gives byte-identical files, another seed differs; scenes never straddle splits', async () => {
  const again = tempDir();
  const other = tempDir();
  await generateStillSet({ ...small, out: again });
  await generateStillSet({ ...small, seed: 4, out: other });
  assert.deepEqual(hashTree(again), hashTree(stills));
  assert.notDeepEqual(hashTree(other), hashTree(stills));
  const dataset = readImageFolder(stills);
  assert.deepEqual(dataset.classes, ['ring', 'square', 'star']);
  assert.equal(dataset.items.length, 3 * 6 * 2);
  const splitOf = new Map<string, string>();
  for (const item of dataset.items) {
    assert.equal(item.kind, 'image');
    // The group is the scene the file name starts with, and a scene's images share one split.
    const scene = path.basename(item.path).split('_')[0]!;
    assert.equal(item.group, scene);
    assert.equal(splitOf.get(scene) ?? item.split, item.split, `scene ${scene} straddles splits`);
    splitOf.set(scene, item.split as string);
  }
  assert.deepEqual(new Set(splitOf.values()), new Set(['train', 'val', 'test']));
  // A complete set is left alone; a folder of someone else's files is refused untouched.
  const before = fs.statSync(path.join(stills, 'manifest.json')).mtimeMs;
  await generateStillSet({ ...small, out: stills });
  assert.equal(fs.statSync(path.join(stills, 'manifest.json')).mtimeMs, before);
  const foreign = tempDir();
  fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
  await assert.rejects(generateStillSet({ ...small, out: foreign }), {
    message: `${foreign} already holds files the still writer did not write (e.g. ${path.join(foreign, 'notes.txt')}); nothing there was touched: choose another folder`,
  });
});

test('image folders: auto-detected, decoded to [H,W,3], and resized on request', async () => {
  const dataset = loadDataset(stills);
  assert.equal(dataset.layout, 'image-folder');
  const first = dataset.items[0]!;
  const image = await decodeImage(first.path);
  assert.deepEqual(image.shape, [16, 16, 3]);
  assert.equal(image.data.length, 16 * 16 * 3);
  const resized = await decodeImage(first.path, { size: [8, 12] });
  assert.deepEqual(resized.shape, [8, 12, 3]);
});

test('an unreadable image is named, with what to do', async () => {
  const root = tempDir();
  fs.cpSync(stills, root, { recursive: true });
  const broken = path.join(root, 'star', 'broken.png');
  fs.writeFileSync(broken, 'not a png');
  await assert.rejects(decodeImage(broken), (error: Error) => {
    assert.ok(error instanceof DatasetError);
    assert.match(
      error.message,
      /^\S+broken\.png: cannot decode this image \(.+\); replace it with a readable \.png\/\.jpg\/\.jpeg\/\.bmp\/\.webp file or delete it$/,
    );
    assert.ok(error.message.startsWith(broken));
    return true;
  });
  await assert.rejects(decodeImage(path.join(root, 'star', 'gone.png')), {
    name: 'DatasetError',
    message: `${path.join(root, 'star', 'gone.png')}: not found; check the path`,
  });
  // In the pipeline, the read of that image fails with the same message.
  const dataset = readImageFolder(root);
  const source = imageSource(dataset, { size: [16, 16] });
  const index = dataset.items.findIndex((item) => item.path === broken);
  await assert.rejects(source.read(index), { name: 'DatasetError', message: new RegExp(`^${broken}: cannot decode`) });
});

/** A PNG whose header says `width` × `height` (the pixel data is a token: only the header is read). */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type), body])));
    return Buffer.concat([length, Buffer.from(type), body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  const pixels = chunk('IDAT', zlib.deflateSync(Buffer.alloc(64)));
  return Buffer.concat([signature, chunk('IHDR', header), pixels, chunk('IEND', Buffer.alloc(0))]);
}

test('one image decoder: a CMYK JPEG and a 16-bit PNG read the same in extract, eda and data.decodeImage', async () => {
  const root = tempDir();
  const solid = (r: number, g: number, b: number) =>
    sharp({ create: { width: 24, height: 16, channels: 3, background: { r, g, b } } });
  fs.mkdirSync(path.join(root, 'cmyk'));
  fs.mkdirSync(path.join(root, 'deep'));
  for (const n of [1, 2]) {
    await solid(200, 30 * n, 30)
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toFile(path.join(root, 'cmyk', `c${n}.jpg`));
    await solid(40, 80 * n, 220)
      .toColourspace('rgb16')
      .png()
      .toFile(path.join(root, 'deep', `d${n}.png`));
  }
  const cmyk = path.join(root, 'cmyk', 'c1.jpg');
  assert.equal((await imageInfo(cmyk)).space, 'cmyk');
  assert.equal((await imageInfo(path.join(root, 'deep', 'd1.png'))).bitsPerChannel, 16);
  const red = await decodeImage(cmyk, { size: [8, 8] });
  assert.ok(
    red.data[0]! > 150 && red.data[1]! < 70 && red.data[2]! < 70,
    `CMYK red decoded as ${red.data.slice(0, 3)}`,
  );

  const cache = path.join(tempDir(), 'cache');
  const extract = runCli(['extract', root, '--out', cache, '--frames', '2', '--size', '8x8', '--resize', 'pad']);
  assert.equal(extract.code, 0, extract.stderr);
  const clips = openClipCache(cache);
  try {
    assert.equal(clips.clips.length, 4);
    for (const [i, entry] of clips.clips.entries()) {
      const expected = await decodeImage(entry.path, { size: [8, 8], fit: 'pad' });
      const clip = await clips.readClip(i);
      const frameBytes = expected.data.length;
      assert.deepEqual(
        clip.data.subarray(0, frameBytes),
        expected.data,
        `${entry.path}: extract and decodeImage differ`,
      );
      assert.deepEqual(clip.data.subarray(frameBytes), expected.data, 'a photo is one frame, repeated');
    }
  } finally {
    await clips.close();
  }
  const eda = runCli(['eda', root, '--json']);
  assert.equal(eda.code, 0, eda.stderr);
  const items = (lastJson(eda.stdout) as { items: Array<{ path: string; width: number; codec: string }> }).items;
  assert.deepEqual(items.map((item) => [path.basename(item.path), item.width, item.codec]).sort(), [
    ['c1.jpg', 24, 'jpeg'],
    ['c2.jpg', 24, 'jpeg'],
    ['d1.png', 24, 'png'],
    ['d2.png', 24, 'png'],
  ]);
});

test('an image too large to decode is refused with its size and the limit, in extract, eda and decodeImage', async () => {
  const root = tempDir();
  fs.cpSync(stills, root, { recursive: true });
  const huge = path.join(root, 'star', 'huge.png');
  fs.writeFileSync(huge, pngHeaderOnly(20000, 20000));
  const refusal = `${huge}: 20000×20000 pixels is more than the 67,108,864 (8192×8192) actlab decodes; shrink it first`;
  await assert.rejects(
    decodeImage(huge),
    (error: Error) => error instanceof DatasetError && error.message.startsWith(refusal),
  );
  await assert.rejects(imageInfo(huge), (error: Error) => error.message.startsWith(refusal));

  const eda = runCli(['eda', root]);
  assert.equal(eda.code, 0, eda.stderr);
  assert.match(eda.stdout, /1 unreadable file\(s\)/);
  assert.ok(eda.stdout.includes(`  ${refusal}`), eda.stdout);
  const extract = runCli(['extract', root, '--out', path.join(tempDir(), 'cache'), '--frames', '2', '--size', '8x8']);
  assert.equal(extract.code, 0, extract.stderr);
  assert.ok(extract.stderr.includes(`skipped: ${refusal}`), extract.stderr);
});

test('wrong image-folder layouts say how to fix them', () => {
  const flat = tempDir();
  for (const name of ['a.png', 'b.png'])
    fs.copyFileSync(path.join(stills, 'star', 's01_star_1.png'), path.join(flat, name));
  assert.throws(() => readImageFolder(flat), {
    name: 'DatasetError',
    message: `${flat}: holds 2 image(s) directly (e.g. ${path.join(flat, 'a.png')}) but no class folders; an image folder is ${flat}/<class>/<image>: move each image into a folder named after its class`,
  });
  const deep = tempDir();
  fs.cpSync(stills, path.join(deep, 'photos'), { recursive: true });
  fs.rmSync(path.join(deep, 'photos', 'manifest.json'));
  assert.throws(() => readImageFolder(deep), {
    name: 'DatasetError',
    message: new RegExp(
      `^${deep}: the images are one folder too deep \\(e\\.g\\. ${deep}/photos/ring/\\S+\\.png\\); an image folder is ${deep}/<class>/<image>: if ${deep}/photos holds the class folders, pass it as the root$`,
    ),
  });
  const single = tempDir();
  fs.cpSync(path.join(stills, 'star'), path.join(single, 'star'), { recursive: true });
  assert.throws(() => readImageFolder(single), {
    name: 'DatasetError',
    message: `${single}: only one class folder holds images (star); an image folder needs one folder per class (${single}/<class>/<image>): if ${single}/star is the dataset, pass it as the root`,
  });
});

test('image pipeline: [B,H,W,3] batches of one split, the same for the same seed, another order for another', async () => {
  const source = imageSource(readImageFolder(stills), { size: [16, 16] });
  const make = (seed: number) => createImagePipeline(source, { split: 'train', batchSize: 4, seed });
  const a = make(1);
  assert.deepEqual(a.sampleShape, [16, 16, 3]);
  assert.equal(a.samples, source.entries.filter((e) => e.split === 'train').length);
  const batches = await epoch(a.batches);
  assert.deepEqual(batches[0]!.shape, [4, 16, 16, 3]);
  assert.equal(
    batches.reduce((n, b) => n + b.labels.length, 0),
    a.samples,
  );
  const same = await epoch(make(1).batches);
  assert.deepEqual(
    same.map((b) => Array.from(b.xs)),
    batches.map((b) => Array.from(b.xs)),
  );
  const other = await epoch(make(2).batches);
  assert.notDeepEqual(
    other.map((b) => Array.from(b.clipIds)),
    batches.map((b) => Array.from(b.clipIds)),
  );
  // Every label is the class of the image the sample came from.
  for (const batch of batches) {
    batch.clipIds.forEach((clip, i) => assert.equal(batch.labels[i], source.entries[clip]!.labelIndex));
  }
});

test('augmentation changes pixels but not labels; validation is not augmented', async () => {
  const source = imageSource(readImageFolder(stills), { size: [16, 16] });
  const plain = await epoch(
    createImagePipeline(source, { split: 'train', batchSize: 4, seed: 1, augment: false }).batches,
  );
  const augmented = await epoch(createImagePipeline(source, { split: 'train', batchSize: 4, seed: 1 }).batches);
  assert.deepEqual(
    augmented.map((b) => [Array.from(b.clipIds), Array.from(b.labels)]),
    plain.map((b) => [Array.from(b.clipIds), Array.from(b.labels)]),
    'same images in the same order, same labels (a flip keeps an object what it is)',
  );
  const changed = augmented.filter((b, i) => b.xs.some((v, k) => Math.abs(v - plain[i]!.xs[k]!) > 1e-6));
  assert.equal(changed.length, augmented.length, 'every batch has augmented pixels');
  // Without augmentation a sample is the decoded image / 255.
  const image = await decodeImage(source.entries[plain[0]!.clipIds[0]!]!.path);
  assert.deepEqual(
    Array.from(plain[0]!.xs.subarray(0, 16 * 16 * 3)),
    Array.from(image.data, (v) => Math.fround(v / 255)),
  );
  const val = createImagePipeline(source, { split: 'val', batchSize: 4, seed: 1 });
  const [v1, v2] = [await epoch(val.batches), await epoch(val.batches)];
  assert.deepEqual(
    v1.map((b) => Array.from(b.xs)),
    v2.map((b) => Array.from(b.xs)),
  );
});

test('augmentedCopies: the original, then seeded copies that differ from it', async () => {
  const image = await decodeImage(path.join(stills, 'star', 's01_star_1.png'));
  const { original, copies } = augmentedCopies(image, { count: 4, seed: 2 });
  assert.equal(copies.length, 4);
  assert.deepEqual(original.shape, [1, 16, 16, 3]);
  assert.deepEqual(
    Array.from(original.data),
    Array.from(image.data, (v) => Math.fround(v / 255)),
  );
  for (const copy of copies) assert.notDeepEqual(Array.from(copy.data), Array.from(original.data));
  assert.deepEqual(
    augmentedCopies(image, { count: 4, seed: 2 }).copies.map((c) => Array.from(c.data)),
    copies.map((c) => Array.from(c.data)),
  );
});

test('image pipeline tensors: fitting and iterating leave the tensor count flat', async () => {
  const source = imageSource(readImageFolder(stills), { size: [16, 16] });
  const train = createImagePipeline(source, { split: 'train', batchSize: 4, seed: 1 });
  const model = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [16, 16, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  });
  train.checkModel(model);
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  await model.fitDataset(train.toTfDataset(), { epochs: 1, verbose: 0 });
  const count = tf.memory().numTensors;
  await model.fitDataset(train.toTfDataset(), { epochs: 2, verbose: 0 });
  for await (const batch of train.tensorBatches()) tf.dispose([batch.xs, batch.ys]);
  assert.equal(tf.memory().numTensors, count);
  model.dispose();
});
