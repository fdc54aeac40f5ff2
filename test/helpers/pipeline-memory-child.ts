/**
 * Child process for the memory test: streams one epoch of a cache through the
 * training pipeline into tensors (disposing each batch) and prints
 * `{"peakRssMb":..,"batches":..,"numTensors":..}` as its last line.
 * Usage: node --expose-gc pipeline-memory-child.js CACHE_DIR
 */
import * as tf from '@tensorflow/tfjs';

import { createClipPipeline } from '../../src/lib/pipeline';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: pipeline-memory-child.js CACHE_DIR');
  await tf.setBackend('cpu');
  const pipe = createClipPipeline(dir, { split: 'all', batchSize: 4, prefetch: 2, seed: 1 });
  let batches = 0;
  for await (const { xs, ys } of pipe.tensorBatches()) {
    tf.dispose([xs, ys]);
    // V8 frees dropped ArrayBuffers only once ~64 MB of them pile up: a short
    // run never gets there and a long one does, so the raw peak would measure
    // GC timing. Collecting every 10 batches (with --expose-gc) makes the peak
    // measure what the pipeline holds.
    if (++batches % 10 === 0) (globalThis as { gc?: () => void }).gc?.();
  }
  await pipe.close();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ peakRssMb, batches, numTensors: tf.memory().numTensors }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
