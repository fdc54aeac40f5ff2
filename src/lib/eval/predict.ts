/** Runs a model over a tf.data dataset and collects probabilities and true labels as plain arrays. */
import * as tf from '@tensorflow/tfjs';

import { predictVideo } from '../models/cnn2d';
import { withInterrupt } from '../notebook/interrupt';
import { classIndices } from '../pipeline/labels';

export interface Predictions {
  /** Class probabilities per sample, [N][C], dataset order. */
  readonly probs: Float32Array[];
  /** True class index per sample (argmax of one-hot labels). */
  readonly labels: number[];
}

export interface PredictOptions {
  /** Stops before the next batch; in a notebook Kernel > Interrupt does the same. @default none */
  readonly signal?: AbortSignal;
}

/**
 * Predicts every batch of `data` (`{xs, ys}`: xs as the model expects, ys
 * one-hot [B,C] or sparse [B]/[B,1]). Clips `[B,T,H,W,C]` given to a frame
 * model (input `[H,W,C]`) are classified frame by frame and the frame
 * probabilities averaged per clip: video-level prediction for a 2D CNN.
 * Each batch's tensors are disposed after use; nothing is kept on the backend.
 * Interrupted, it throws (an InterruptedError for Kernel > Interrupt) and
 * keeps nothing.
 */
export async function predictDataset(
  model: tf.LayersModel,
  data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>,
  options: PredictOptions = {},
): Promise<Predictions> {
  const probs: Float32Array[] = [];
  const labels: number[] = [];
  await withInterrupt(options.signal, async (scope) => {
    const iterator = await data.iterator();
    for (;;) {
      scope.throwIfAborted(
        () => `predictDataset: interrupted after ${labels.length} sample(s); nothing is kept, run the cell again`,
      );
      const next = await iterator.next();
      if (next.done) break;
      const { xs, ys } = next.value;
      try {
        const p = tf.tidy(() => {
          const frameModelOnClips = xs.rank === 5 && model.inputs[0]?.shape.length === 4;
          const out = frameModelOnClips ? predictVideo(model, xs) : (model.predict(xs) as tf.Tensor2D);
          return out.dataSync() as Float32Array;
        });
        const l = classIndices(ys);
        const c = p.length / xs.shape[0]!;
        for (let i = 0; i < xs.shape[0]!; i++) {
          probs.push(p.slice(i * c, (i + 1) * c));
          labels.push(l[i]!);
        }
      } finally {
        tf.dispose([xs, ys]);
      }
    }
  });
  return { probs, labels };
}
