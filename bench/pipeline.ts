/**
 * Does the input pipeline keep a small C3D fed? Measures, on the bundled
 * synthetic set extracted to a cache (`[16,32,32,3]` clips; the pipeline
 * takes T=8 with temporal jitter and the default augmentation, batch 8):
 *   batches_per_s      the pipeline alone, into tensors (made and disposed)
 *   train_steps_per_s  the C3D's train steps on one fixed batch (no input work)
 *   stall_fraction     share of `model.fitDataset` wall time spent waiting for
 *                      the next batch, over several epochs
 *   peak_rss_mb        peak resident memory of the whole run
 * C3D (bench/train.ts's): conv3³·16 → maxpool[1,2,2] → conv3³·32 → maxpool2 → dense, on the backend
 * `initBackend()` picks (wasm here, with actlab's kernel packs).
 *
 * Usage: node out/test-build/bench/pipeline.js [CACHE_DIR]
 * (default: the bundled set, extracted once into out/bench/pipeline-cache).
 * ACTLAB_BENCH_SECONDS sets the time per throughput measurement (default 3).
 * Last line is JSON: {"batches_per_s":..,"train_steps_per_s":..,"stall_fraction":..,"peak_rss_mb":..}.
 */
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { loadDataset } from '../src/lib/data';
import { createClipPipeline } from '../src/lib/pipeline';
import { ensureBundledDataset } from '../src/lib/synth';
import { packageRoot } from '../src/lib/util/package-root';
import { extractDataset } from '../src/lib/video';

const SECONDS = Number(process.env.ACTLAB_BENCH_SECONDS ?? 3);
const BATCH = 8;
const FRAMES = 8;

function c3d(inputShape: number[], classes: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv3d({ inputShape, filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling3d({ poolSize: [1, 2, 2] }),
      tf.layers.conv3d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling3d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

async function main(): Promise<void> {
  await initBackend();
  let cache = process.argv[2];
  if (!cache) {
    cache = path.join(packageRoot(), 'out', 'bench', 'pipeline-cache');
    // Resumes: a no-op once the cache is complete.
    await extractDataset(loadDataset(await ensureBundledDataset()), { out: cache, frames: 16, width: 32, height: 32 });
  }
  const pipe = createClipPipeline(cache, { batchSize: BATCH, frames: FRAMES, seed: 0, dropRemainder: true });
  console.log(
    `pipeline: ${pipe.clips} train clips → ${pipe.batchesPerEpoch} batches of [${BATCH},${pipe.sampleShape.join(',')}] per epoch, ` +
      `≤ ${(pipe.maxBytesHeld / 2 ** 20).toFixed(1)} MiB of samples held`,
  );

  // 1. The pipeline alone.
  let batches = 0;
  let started = now();
  while (now() - started < SECONDS) {
    for await (const { xs, ys } of pipe.tensorBatches()) {
      batches++;
      tf.dispose([xs, ys]);
    }
  }
  const batchesPerS = batches / (now() - started);

  // 2. The model alone, on one batch.
  const model = c3d([...pipe.sampleShape], pipe.classes.length);
  pipe.checkModel(model);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.randomUniform([BATCH, ...pipe.sampleShape]);
  const ys = tf.oneHot(tf.zeros([BATCH], 'int32'), pipe.classes.length);
  await model.trainOnBatch(xs, ys); // warm-up: kernels compiled, weights touched
  let steps = 0;
  started = now();
  while (now() - started < SECONDS) {
    await model.trainOnBatch(xs, ys);
    steps++;
  }
  const trainStepsPerS = steps / (now() - started);
  tf.dispose([xs, ys]);

  // 3. Both: fitDataset, timing every wait for the next batch.
  let waiting = 0;
  const firstWaits: number[] = []; // the first batch of an epoch starts from cold: nothing was prefetched
  const steadyWaits: number[] = [];
  const timed = tf.data.generator(async function* () {
    const iterator = pipe.tensorBatches();
    for (let k = 0; ; k++) {
      const asked = now();
      const next = await iterator.next();
      const waited = now() - asked;
      waiting += waited;
      if (!next.done) (k === 0 ? firstWaits : steadyWaits).push(waited * 1000);
      if (next.done) return;
      yield { xs: next.value.xs, ys: next.value.ys };
    }
  });
  const epochs = Math.max(2, Math.ceil((SECONDS * trainStepsPerS) / pipe.batchesPerEpoch));
  started = now();
  await model.fitDataset(timed, { epochs, verbose: 0 });
  const stallFraction = waiting / (now() - started);
  model.dispose();
  await pipe.close();

  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `pipeline ${batchesPerS.toFixed(1)} batches/s, C3D ${trainStepsPerS.toFixed(2)} steps/s, ` +
      `${epochs} epochs of fitDataset waited ${(stallFraction * 100).toFixed(2)}% of the time for data ` +
      `(first batch of an epoch: median ${median(firstWaits).toFixed(1)} ms; others: median ${median(steadyWaits).toFixed(2)} ms, ` +
      `max ${Math.max(...steadyWaits).toFixed(1)} ms)`,
  );
  console.log(
    JSON.stringify({
      batches_per_s: round(batchesPerS),
      train_steps_per_s: round(trainStepsPerS),
      stall_fraction: round(stallFraction, 4),
      peak_rss_mb: round(peakRssMb, 1),
    }),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
