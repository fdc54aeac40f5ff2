/**
 * The child process of `measurePeakMemory`: loads a split whole, streams it,
 * or loads nothing, then prints one JSON line with its peak RSS.
 * Usage: node --expose-gc memory-probe-child.js '{"cacheDir":…,"mode":…}'
 */
import * as tf from '@tensorflow/tfjs';

import { openClipCache } from '../video/cache-reader';
import { createClipPipeline } from './clip-pipeline';
import type { MemoryProbeMode, MemoryProbeOptions, MemoryProbeResult } from './memory-probe';

/** V8 frees dropped buffers only after ~64 MB pile up; collecting makes the peak measure what is held, not GC timing. */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as MemoryProbeOptions & {
    cacheDir: string;
    mode: MemoryProbeMode;
  };
  await tf.setBackend('cpu');
  let clips = 0;
  let batches = 0;
  if (request.mode === 'whole') {
    const cache = openClipCache(request.cacheDir);
    const wanted = cache.clips
      .map((entry, i) => ({ entry, i }))
      .filter(({ entry }) => request.split === undefined || request.split === 'all' || entry.split === request.split);
    const perClip = cache.shape.reduce((a, b) => a * b, 1);
    const all = new Float32Array(wanted.length * perClip);
    for (const { i } of wanted) all.set((await cache.readClipFloat(i)).data, clips++ * perClip);
    const whole = tf.tensor(all, [wanted.length, ...cache.shape]);
    collect();
    whole.dispose();
    await cache.close();
  } else if (request.mode === 'stream') {
    const pipe = createClipPipeline(request.cacheDir, {
      split: request.split ?? 'train',
      batchSize: request.batchSize ?? 16,
      seed: 1,
      ...(request.prefetch !== undefined ? { prefetch: request.prefetch } : {}),
    });
    for await (const { xs, ys } of pipe.tensorBatches()) {
      clips += xs.shape[0]!;
      tf.dispose([xs, ys]);
      if (++batches % 10 === 0) collect();
    }
    await pipe.close();
  }
  const result: MemoryProbeResult = {
    mode: request.mode,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    clips,
    batches,
    numTensors: tf.memory().numTensors,
  };
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
