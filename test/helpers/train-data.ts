/**
 * Tiny learnable synthetic batches for the models/train/eval/doctor tests, and
 * the child-process entry point of the kill-and-resume test.
 *
 * Task: clips [T,H,W,1] of noise (std 0.3) plus a bright 2×2 square in the
 * quadrant given by the class (4 classes), optionally moving one pixel per
 * frame; values roughly zero-mean, unit-ish std (already "normalised").
 */
import * as tf from '@tensorflow/tfjs';

import { createRng } from '../../src/lib/util/random';

export interface SyntheticOptions {
  readonly count: number;
  readonly seed: number;
  /** @default [4, 8, 8, 1] */
  readonly shape?: readonly [number, number, number, number];
  /** @default 4 */
  readonly numClasses?: number;
  /** @default 8 */
  readonly batchSize?: number;
  /** Labels as class indices [B] instead of one-hot [B,C]. @default false */
  readonly sparse?: boolean;
  /** Planted bugs. */
  readonly bug?: 'shuffled-labels' | 'unnormalised' | 'identical-frames';
}

export interface SyntheticData {
  readonly clips: Float32Array[];
  readonly labels: number[];
  readonly shape: readonly [number, number, number, number];
  readonly numClasses: number;
}

/** The raw samples (plain arrays, so tests can hand-check them). */
export function syntheticSamples(options: SyntheticOptions): SyntheticData {
  const shape = options.shape ?? [4, 8, 8, 1];
  const numClasses = options.numClasses ?? 4;
  const [t, h, w] = shape;
  const rng = createRng(options.seed);
  const clips: Float32Array[] = [];
  const labels: number[] = [];
  for (let n = 0; n < options.count; n++) {
    const label = n % numClasses;
    const clip = new Float32Array(t * h * w);
    const qy = (label >> 1) % 2;
    const qx = label % 2;
    for (let f = 0; f < t; f++) {
      const frame = options.bug === 'identical-frames' ? 0 : f;
      for (let i = 0; i < h * w; i++) clip[f * h * w + i] = (rng.next() - 0.5) * 0.6;
      // Moving square: its position depends on the class quadrant and the frame.
      const y0 = qy * (h / 2) + (frame % (h / 2 - 1));
      const x0 = qx * (w / 2) + (frame % (w / 2 - 1));
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) clip[f * h * w + (y0 + dy) * w + x0 + dx] += 2;
      if (options.bug === 'identical-frames' && f > 0) clip.copyWithin(f * h * w, 0, h * w);
    }
    if (options.bug === 'unnormalised')
      for (let i = 0; i < clip.length; i++) clip[i] = Math.min(255, Math.max(0, (clip[i]! + 0.5) * 100));
    clips.push(clip);
    labels.push(label);
  }
  if (options.bug === 'shuffled-labels') {
    const shuffled = createRng(options.seed + 1).shuffle(labels);
    labels.splice(0, labels.length, ...shuffled);
  }
  return { clips, labels, shape, numClasses };
}

/** A batched tf.data dataset of `{xs: [B,T,H,W,1], ys: [B,C] one-hot | [B] int32}`; each pass makes fresh tensors. */
export function syntheticDataset(options: SyntheticOptions): tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }> {
  const data = syntheticSamples(options);
  return tf.data
    .generator(function* () {
      for (let i = 0; i < data.clips.length; i++) {
        yield tf.tidy(() => ({
          xs: tf.tensor(data.clips[i]!, [...data.shape]),
          ys: options.sparse ? tf.scalar(data.labels[i]!, 'int32') : tf.oneHot(data.labels[i]!, data.numClasses),
        }));
      }
    })
    .batch(options.batchSize ?? 8) as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
}

/**
 * Child process of the resume test: trains a seeded tiny C3D into `runDir`,
 * prints `epoch N` after each checkpoint and, after epoch `hangAfter`, waits
 * to be killed.
 */
export async function trainChild(runDir: string, epochs: number, hangAfter: number): Promise<void> {
  const { initBackend } = await import('../../src/lib/backend');
  const { c3d } = await import('../../src/lib/models');
  const { train } = await import('../../src/lib/train');
  await initBackend({ backend: 'cpu', log: null });
  const model = c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, dropout: 0, seed: 1 });
  await train(model, syntheticDataset({ count: 16, seed: 3 }), {
    epochs,
    runDir,
    optimizer: { name: 'adam', learningRate: 3e-3 },
    progress: false,
    log: null,
    onEpochEnd: async (record) => {
      process.stdout.write(`epoch ${record.epoch}\n`);
      if (record.epoch === hangAfter) await new Promise((resolve) => setTimeout(resolve, 60_000));
    },
  });
}
