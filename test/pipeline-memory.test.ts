import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { createClipPipeline, measurePeakMemory } from '../src/lib/pipeline';
import { tempDir } from './helpers/fixtures';
import { writeClipCache } from './helpers/pipeline-cache';

/** One epoch of every clip, streamed in a child process in batches of 4 with 2 read ahead. */
const streamInChild = (dir: string) => measurePeakMemory(dir, 'stream', { split: 'all', batchSize: 4, prefetch: 2 });

test('peak RSS: streaming a cache 10x larger grows peak memory by < 20%', async () => {
  // [8,32,32,3] clips: 24 KiB each as uint8, 96 KiB as float32. The large
  // cache is 94 MiB on disk and 375 MiB as float32: holding it (or even a
  // tenth of it) would more than double a ~95 MB process.
  const shape = [8, 32, 32, 3] as const;
  const small = writeClipCache(path.join(tempDir(), 'small'), { clips: 400, shape });
  const large = writeClipCache(path.join(tempDir(), 'large'), { clips: 4000, shape });
  const a = await streamInChild(small);
  const b = await streamInChild(large);
  assert.equal(a.batches, 100);
  assert.equal(b.batches, 1000);
  assert.equal(b.numTensors, a.numTensors, 'every batch tensor disposed');
  const growth = b.peakRssMb / a.peakRssMb - 1;
  assert.ok(
    growth < 0.2,
    `peak RSS ${a.peakRssMb.toFixed(0)} MB → ${b.peakRssMb.toFixed(0)} MB (+${(growth * 100).toFixed(1)}%)`,
  );
});

test('peak RSS: holding a split whole grows with the clips, as the arithmetic says', async () => {
  const shape = [8, 32, 32, 3] as const;
  const clipMiB = (8 * 32 * 32 * 3 * 4) / 2 ** 20;
  const small = writeClipCache(path.join(tempDir(), 'small'), { clips: 200, shape });
  const large = writeClipCache(path.join(tempDir(), 'large'), { clips: 2000, shape });
  const a = await measurePeakMemory(small, 'whole', { split: 'all' });
  const b = await measurePeakMemory(large, 'whole', { split: 'all' });
  assert.deepEqual([a.clips, b.clips, b.numTensors], [200, 2000, 0]);
  const grown = b.peakRssMb - a.peakRssMb;
  // At least the 1,800 extra clips as float32 must have been resident at once.
  assert.ok(grown > 1800 * clipMiB * 0.9, `whole: ${a.peakRssMb.toFixed(0)} → ${b.peakRssMb.toFixed(0)} MiB`);
});

test('no tensor leaks: numTensors is the same after each of 3 fitDataset epochs', async () => {
  await tf.setBackend('cpu');
  const dir = writeClipCache(path.join(tempDir(), 'tiny'), { clips: 30, shape: [4, 8, 8, 3] });
  const pipe = createClipPipeline(dir, { batchSize: 4, seed: 2 });
  const model = tf.sequential({
    layers: [
      tf.layers.conv3d({ inputShape: [4, 8, 8, 3], filters: 2, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  pipe.checkModel(model);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const counts: number[] = [];
  const batchesSeen: number[] = [];
  let batches = 0;
  const before = tf.memory().numTensors;
  const history = await model.fitDataset(pipe.toTfDataset(), {
    epochs: 3,
    verbose: 0,
    callbacks: {
      onBatchEnd: async () => {
        batches++;
      },
      onEpochEnd: async () => {
        counts.push(tf.memory().numTensors);
        batchesSeen.push(batches);
      },
    },
  });
  assert.equal(history.epoch.length, 3);
  assert.deepEqual(batchesSeen, [5, 10, 15], '20 train clips in batches of 4, every epoch');
  assert.equal(counts[1], counts[0]);
  assert.equal(counts[2], counts[0]);
  // The optimizer's slots were made during epoch 1; nothing else may stay.
  assert.ok((counts[0] as number) - before <= model.weights.length * 2, `${before} → ${counts.join(', ')}`);
  model.dispose();
  await pipe.close();
});
