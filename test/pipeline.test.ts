import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { loadDataset } from '../src/lib/data';
import {
  cacheSource,
  checkInputShape,
  computeChannelStats,
  createClipPipeline,
  flipLabelSwaps,
  fromArray,
  parseChannelStats,
  range,
  type SampleBatch,
  ShapeMismatchError,
  temporalWindow,
  videoSource,
} from '../src/lib/pipeline';
import { MOTION_NAMES } from '../src/lib/synth';
import { createRng } from '../src/lib/util/random';
import { openClipCache } from '../src/lib/video';
import { tempDir } from './helpers/fixtures';
import { makeRealCache, type RealCache, writeClipCache } from './helpers/pipeline-cache';

let real: RealCache;
before(async () => {
  await tf.setBackend('cpu');
  real = await makeRealCache();
});

async function epoch(batches: AsyncIterable<SampleBatch>): Promise<SampleBatch[]> {
  const out: SampleBatch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

test('stream verbs: lazy, ordered, seeded shuffle, sizes', async () => {
  assert.deepEqual(await range(5).batch(2).toArray(), [[0, 1], [2, 3], [4]]);
  assert.equal(range(5).batch(2, { dropRemainder: true }).size, 2);
  assert.deepEqual(
    await range(6)
      .filter((v) => v % 2 === 0)
      .repeat(2)
      .toArray(),
    [0, 2, 4, 0, 2, 4],
  );
  assert.deepEqual(await range(100).repeat().take(3).toArray(), [0, 1, 2]);
  // Slow calls finishing out of order still come out in input order.
  const slow = range(8).map(async (v) => new Promise<number>((r) => setTimeout(() => r(v), (8 - v) * 2)), {
    concurrency: 4,
  });
  assert.deepEqual(await slow.prefetch(3).toArray(), [0, 1, 2, 3, 4, 5, 6, 7]);
  const shuffled = fromArray([...'abcdefgh']).shuffle(8, 7);
  const first = await shuffled.toArray();
  const second = await shuffled.toArray();
  assert.deepEqual([...first].sort(), [...'abcdefgh']);
  assert.notDeepEqual(first, second, 'each pass draws a new order');
  const again = fromArray([...'abcdefgh']).shuffle(8, 7);
  assert.deepEqual([await again.toArray(), await again.toArray()], [first, second]);
  assert.throws(() => range(3).batch(0), { message: 'batch size must be a whole number >= 1, got 0' });
});

test('cache pipeline: [B,T,H,W,C] clips and one-hot labels of one split, each clip once per epoch', async () => {
  const cache = openClipCache(real.cache);
  const train = cache.clips.flatMap((c, i) => (c.split === 'train' ? [i] : []));
  assert.ok(train.length >= 12 && train.length < cache.clips.length, `train has ${train.length} clips`);
  const pipe = createClipPipeline(real.cache, { batchSize: 4 });
  assert.deepEqual(pipe.sampleShape, [8, 16, 16, 3]);
  assert.equal(pipe.batchesPerEpoch, Math.ceil(train.length / 4));
  const seen: number[] = [];
  let batches = 0;
  for await (const { xs, ys, clipIds, labels } of pipe.tensorBatches()) {
    batches++;
    assert.deepEqual(xs.shape.slice(1), [8, 16, 16, 3]);
    assert.equal(xs.dtype, 'float32');
    assert.deepEqual(ys.shape, [clipIds.length, 5]);
    const hot = (await ys.argMax(-1).data()) as Int32Array;
    assert.deepEqual([...hot], [...labels]);
    const [min, max] = [(await xs.min().data())[0] as number, (await xs.max().data())[0] as number];
    assert.ok(min >= 0 && max <= 1, `values in 0..1, got ${min}..${max}`);
    seen.push(...clipIds);
    tf.dispose([xs, ys]);
  }
  assert.equal(batches, pipe.batchesPerEpoch);
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    train,
  );
  // A derived pipeline: repeated, read on into the next epoch.
  const more = await pipe.toTfDataset(pipe.batches.repeat().take(pipe.batchesPerEpoch + 1)).toArray();
  assert.deepEqual(more.map((b) => b.xs.shape[0]).slice(-2), [train.length % 4 || 4, 4]);
  tf.dispose(more.flatMap((b) => [b.xs, b.ys]));
  await pipe.close();
  const sparse = createClipPipeline(real.cache, { split: 'test', labels: 'sparse', batchSize: 3 });
  for await (const { xs, ys, labels } of sparse.tensorBatches()) {
    assert.deepEqual(ys.shape, [labels.length]);
    assert.deepEqual([...(await ys.data())], [...labels]);
    tf.dispose([xs, ys]);
  }
  await sparse.close();

  // Validation: not shuffled, not augmented: exactly the cached clips in 0..1.
  const val = createClipPipeline(real.cache, { split: 'val', batchSize: 100 });
  const [batch] = await epoch(val.batches);
  assert.ok(batch);
  const expected = await Promise.all([...batch.clipIds].map((i) => cache.readClipFloat(i)));
  assert.deepEqual(batch.xs, Float32Array.from(expected.flatMap((c) => [...c.data])));
  assert.deepEqual(
    [...batch.labels],
    [...batch.clipIds].map((i) => cache.clips[i]?.labelIndex),
  );
  await cache.close();
});

test('frame layouts for 2D CNNs: one frame per clip, or every frame with its clip id', async () => {
  const frame = createClipPipeline(real.cache, { split: 'test', layout: 'frame', batchSize: 64 });
  const [one] = await epoch(frame.batches);
  assert.deepEqual(one?.shape, [frame.clips, 16, 16, 3]);
  const all = createClipPipeline(real.cache, { split: 'test', layout: 'frames', batchSize: 5 });
  assert.equal(all.samples, all.clips * 8);
  const batches = await epoch(all.batches);
  assert.ok(batches.every((b) => b.shape.length === 4 && b.shape[0] === 5));
  const ids = batches.flatMap((b) => [...b.clipIds]);
  assert.equal(ids.length, all.clips * 8);
  for (const id of new Set(ids)) assert.equal(ids.filter((i) => i === id).length, 8, 'all 8 frames of each clip');
  // The middle frame (index 3 of 0..7: a centred window of one) is what `frame` gives for evaluation.
  const cache = openClipCache(real.cache);
  const clip = await cache.readClipFloat(one?.clipIds[0] as number);
  assert.deepEqual(one?.xs.subarray(0, 16 * 16 * 3), clip.data.subarray(3 * 768, 4 * 768));
  await cache.close();
});

test('determinism: same seed, same batches and augmentation; another seed or epoch differs', async () => {
  const run = async (seed: number, workers?: number): Promise<SampleBatch[][]> => {
    const pipe = createClipPipeline(real.cache, { batchSize: 4, seed, frames: 4, workers });
    const epochs = [await epoch(pipe.batches), await epoch(pipe.batches)];
    await pipe.close();
    return epochs;
  };
  const [a, b, c] = [await run(1), await run(1), await run(2)];
  assert.deepEqual(a, b);
  assert.deepEqual(await run(1, 0), a, 'a worker thread and the main thread make the same batches');
  const order = (batches: SampleBatch[]): number[] => batches.flatMap((x) => [...x.clipIds]);
  assert.notDeepEqual(order(a[0] ?? []), order(c[0] ?? []), 'another seed, another order');
  assert.notDeepEqual(order(a[0] ?? []), order(a[1] ?? []), 'each epoch reshuffles');
  // Same clip, different seed: different augmentation.
  const clipData = (batches: SampleBatch[], id: number): Float32Array => {
    for (const batch of batches) {
      const k = batch.clipIds.indexOf(id);
      if (k >= 0) return batch.xs.slice(k * 4 * 768, (k + 1) * 4 * 768);
    }
    throw new Error(`clip ${id} missing`);
  };
  const id = a[0]?.[0]?.clipIds[0] as number;
  assert.notDeepEqual(clipData(a[0] ?? [], id), clipData(c[0] ?? [], id));
});

test('epoch(n) gives the batches of the n-th pass, whatever was read before, on both batch paths', async () => {
  for (const workers of [1, 0]) {
    const passes = createClipPipeline(real.cache, { batchSize: 4, seed: 5, frames: 4, workers });
    const third = [await epoch(passes.batches), await epoch(passes.batches), await epoch(passes.batches)][2];
    await passes.close();
    const direct = createClipPipeline(real.cache, { batchSize: 4, seed: 5, frames: 4, workers });
    await epoch(direct.batches.take(1)); // a peek, as train's shape check does
    assert.equal(direct.epoch(2).size, direct.batchesPerEpoch);
    assert.deepEqual(await epoch(direct.epoch(2)), third, `workers: ${workers}`);
    assert.throws(() => direct.epoch(-1), /epoch must be a whole number >= 0, got -1/);
    await direct.close();
  }
});

test('augmentation: one flip/crop/rotation for every frame of a clip; flips swap move_left and move_right', async () => {
  const [T, H, W] = [6, 12, 12];
  // Every frame of clip i is the same asymmetric picture, so a per-frame change would show as frames that differ.
  const picture = (i: number): Uint8Array => {
    const frame = Uint8Array.from({ length: H * W * 3 }, (_, p) => ((p * 7 + i * 13) % 251) & 0xff);
    const clip = new Uint8Array(T * frame.length);
    for (let t = 0; t < T; t++) clip.set(frame, t * frame.length);
    return clip;
  };
  const dir = writeClipCache(path.join(tempDir(), 'static'), {
    clips: 12,
    shape: [T, H, W, 3],
    clip: picture,
    split: () => 'train',
  });
  const frameLength = H * W * 3;
  const augmented = createClipPipeline(dir, { batchSize: 12, seed: 3 });
  const [batch] = await epoch(augmented.batches);
  assert.ok(batch);
  for (let k = 0; k < 12; k++) {
    const clip = batch.xs.subarray(k * T * frameLength, (k + 1) * T * frameLength);
    const first = clip.subarray(0, frameLength);
    for (let t = 1; t < T; t++) assert.deepEqual(clip.subarray(t * frameLength, (t + 1) * frameLength), first);
    const original = Float32Array.from(picture(batch.clipIds[k] as number).subarray(0, frameLength), (v) => v / 255);
    assert.notDeepEqual(first, original, 'augmentation changed the picture');
  }

  // A flip alone is an exact mirror, and relabels move_left ↔ move_right (grow stays grow).
  const flipOnly = { flip: 1, cropScale: [1, 1] as const, rotation: 0, zoom: 0, brightness: 0, contrast: 0 };
  const flipped = createClipPipeline(dir, { batchSize: 12, augment: flipOnly, shuffle: false });
  const [mirror] = await epoch(flipped.batches);
  const cache = openClipCache(dir);
  for (let k = 0; k < 12; k++) {
    const id = mirror?.clipIds[k] as number;
    const source = picture(id);
    const out = mirror?.xs.subarray(k * T * frameLength) as Float32Array;
    for (const [y, x, c] of [
      [0, 0, 0],
      [5, 2, 1],
      [11, 11, 2],
    ] as const) {
      assert.equal(out[(y * W + x) * 3 + c], Math.fround((source[(y * W + (W - 1 - x)) * 3 + c] as number) / 255));
    }
    const label = cache.clips[id]?.label;
    const swapped = { move_left: 'move_right', move_right: 'move_left', grow: 'grow' }[label as string];
    assert.equal(cache.classes[mirror?.labels[k] as number], swapped);
  }
  await cache.close();
  assert.deepEqual(flipLabelSwaps(MOTION_NAMES), {
    move_left: 'move_right',
    move_right: 'move_left',
    move_up_left: 'move_up_right',
    move_up_right: 'move_up_left',
    move_down_left: 'move_down_right',
    move_down_right: 'move_down_left',
    rotate_cw: 'rotate_ccw',
    rotate_ccw: 'rotate_cw',
  });
  assert.throws(
    () =>
      createClipPipeline(
        writeClipCache(path.join(tempDir(), 'one'), {
          clips: 6,
          shape: [2, 4, 4, 3],
          classes: ['move_left', 'grow'],
          clip: () => new Uint8Array(96),
        }),
      ),
    {
      message:
        'class "move_left" changes meaning under a horizontal flip but "move_right" is not a class: ' +
        'set augment.flip to 0, or pass flipLabels with the class it becomes',
    },
  );

  // Temporal jitter: an evenly strided window that fits; evaluation takes the centred stride-1 window.
  assert.deepEqual(temporalWindow(16, 8), [4, 5, 6, 7, 8, 9, 10, 11]);
  const rng = createRng(5);
  for (let n = 0; n < 20; n++) {
    const w = temporalWindow(16, 8, rng, { maxStride: 2, startJitter: true });
    const stride = (w[1] as number) - (w[0] as number);
    assert.ok(stride === 1 || stride === 2);
    assert.ok(w.every((v, i) => v === (w[0] as number) + i * stride && v < 16));
  }
});

test('shape mismatch: the error gives both shapes and the fix', () => {
  const c3d = tf.sequential({
    layers: [
      tf.layers.conv3d({ inputShape: [16, 112, 112, 3], filters: 2, kernelSize: 3 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 8 }),
    ],
  });
  assert.throws(() => checkInputShape(c3d, [8, 32, 32, 1]), {
    name: 'ShapeMismatchError',
    message:
      'model expects [T,H,W,C]=[16,112,112,3] but clips are [8,32,32,1]: ' +
      'extract with --frames 16 --size 112x112 without --gray or build the model with inputShape [8,32,32,1]',
  });
  assert.throws(() => checkInputShape(c3d, [32, 32, 3]), {
    message:
      'model expects clips [T,H,W,C]=[16,112,112,3] but the pipeline gives frames [H,W,C]=[32,32,3]: ' +
      "use layout 'clip' for a 3D CNN, or build a 2D CNN with inputShape [32,32,3]",
  });
  const pipe = createClipPipeline(real.cache, { split: 'val' });
  const small = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [8, 16, 16, 3] }), tf.layers.dense({ units: 10 })],
  });
  assert.throws(() => pipe.checkModel(small), {
    message: 'model outputs 10 classes but the data has 5: build the model with 5 output units (numClasses 5)',
  });
  assert.ok(new ShapeMismatchError('x') instanceof Error);
  tf.dispose([c3d, small].flatMap((m) => m.weights.map((w) => w.read())));
});

test('splits, normalisation stats, and streaming straight from videos', async () => {
  const none = writeClipCache(path.join(tempDir(), 'nosplit'), {
    clips: 4,
    shape: [2, 4, 4, 1],
    clip: () => new Uint8Array(32),
    split: () => null,
  });
  assert.throws(() => createClipPipeline(none, { augment: { flip: 0 } }), {
    message:
      `cache ${none}: no clip has a split (its dataset layout assigns none): ` +
      `assign them with data.splitByGroup(dataset.items) before extracting, or pass split: 'all'`,
  });

  const source = cacheSource(real.cache);
  const stats = await computeChannelStats(source, { clips: 100 });
  // Float64 reference over every train clip.
  const sums = [0, 0, 0];
  const squares = [0, 0, 0];
  let n = 0;
  for (const [i, entry] of source.entries.entries()) {
    if (entry.split !== 'train') continue;
    const data = await source.read(i);
    for (let p = 0; p < data.length; p++) {
      sums[p % 3] += (data[p] as number) / 255;
      squares[p % 3] += ((data[p] as number) / 255) ** 2;
    }
    n += data.length / 3;
  }
  stats.mean.forEach((m, c) => assert.ok(Math.abs(m - (sums[c] as number) / n) < 1e-9));
  stats.std.forEach((s, c) =>
    assert.ok(Math.abs(s - Math.sqrt((squares[c] as number) / n - ((sums[c] as number) / n) ** 2)) < 1e-9),
  );
  assert.deepEqual(parseChannelStats(JSON.stringify(stats)), stats);
  const normalised = await epoch(
    createClipPipeline(source, { split: 'train', augment: false, normalize: stats, batchSize: 100 }).batches,
  );
  const xs = normalised[0]?.xs as Float32Array;
  const mean = xs.reduce((a, v) => a + v, 0) / xs.length;
  assert.ok(Math.abs(mean) < 1e-3, `normalised mean ${mean}`);

  // No cache: decode the videos themselves; same clips as the cache made with the same settings.
  const videos = videoSource(loadDataset(real.root), { frames: 8, width: 16, height: 16 });
  const fromVideos = await epoch(createClipPipeline(videos, { split: 'val', batchSize: 100 }).batches);
  const fromCache = await epoch(createClipPipeline(real.cache, { split: 'val', batchSize: 100 }).batches);
  assert.deepEqual(fromVideos[0]?.xs, fromCache[0]?.xs);
  assert.deepEqual(fromVideos[0]?.labels, fromCache[0]?.labels);
  await source.close();
});
