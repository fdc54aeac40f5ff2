/**
 * Batch normalization over the last (channel) axis for inputs of any rank.
 * tf.layers.batchNormalization throws for rank-5 video input in training.
 */
import * as tf from '@tensorflow/tfjs';

import { CHANNEL_NORM_BACKWARD, CHANNEL_NORM_FORWARD, type ChannelNormAttrs } from '../kernels/channel-norm';
import type { LayerArgs } from './layer-args';

export interface ChannelBatchNormArgs extends LayerArgs {
  /** Weight of the old value in the moving averages (PyTorch's 0.1 "momentum" is 0.9 here): runs of a few hundred steps need the averages to keep up. @default 0.9 */
  readonly momentum?: number;
  /** Added to the variance before the square root. @default 1e-3 */
  readonly epsilon?: number;
}

/**
 * Normalizes channels-last input [N,...,C] (float32) per channel: batch
 * statistics in training (and updates the moving mean/variance), the moving
 * statistics in inference and whenever the layer is not trainable (a frozen
 * backbone keeps its pretrained statistics). Output has the input's shape.
 *
 * Training runs actlab's fused kernels (src/lib/kernels/channel-norm.ts) where
 * the backend has them (wasm and cpu once actlab's packs are applied), else
 * tf.moments and elementwise ops; both compute the same values.
 */
export class ChannelBatchNorm extends tf.layers.Layer {
  static className = 'ActlabChannelBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;
  private movingMean?: tf.LayerVariable;
  private movingVariance?: tf.LayerVariable;

  constructor(args: ChannelBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.9;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum < 1)) {
      throw new Error(`ChannelBatchNorm: momentum must be in [0, 1); got ${this.momentum}`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels == null) {
      throw new Error(`ChannelBatchNorm: input needs a known last (channel) axis; got [${shape.map(String)}]`);
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight(
      'moving_variance',
      [channels],
      'float32',
      tf.initializers.ones(),
      undefined,
      false,
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    // A frozen (trainable: false) batch norm keeps its pretrained statistics in training too, as in Keras 2.
    const training = kwargs['training'] === true && this.trainable;
    return tf.tidy(() => {
      if (!training) return this.normalize(x, this.movingMean!.read(), this.movingVariance!.read());
      if (hasFusedKernels(x)) return this.fusedTraining(x);
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      this.updateMovingAverages(mean, variance);
      return this.normalize(x, mean, variance);
    });
  }

  /**
   * Training on the fused kernels: one forward kernel (statistics and output),
   * one backward kernel for the gradients of x, gamma and beta.
   */
  private fusedTraining(x: tf.Tensor): tf.Tensor {
    const attrs: ChannelNormAttrs = { epsilon: this.epsilon };
    const engine = tf.engine();
    const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [input, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const [y, mean, variance] = engine.runKernel<tf.Tensor[]>(
        CHANNEL_NORM_FORWARD,
        { x: input, gamma, beta },
        attrs as unknown as tf.NamedAttrMap,
      ) as [tf.Tensor, tf.Tensor, tf.Tensor];
      this.updateMovingAverages(mean, variance);
      // Saved tensors are clones the engine disposes after backprop (and does not keep without a tape).
      save([input, mean, variance, gamma]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, smean, svariance, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return engine.runKernel<tf.Tensor[]>(
            CHANNEL_NORM_BACKWARD,
            { dy, x: sx, mean: smean, variance: svariance, gamma: sgamma },
            attrs as unknown as tf.NamedAttrMap,
          );
        },
      };
    });
    return normalize(x, this.gamma!.read(), this.beta!.read());
  }

  private normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor): tf.Tensor {
    const scale = tf.mul(tf.rsqrt(tf.add(variance, this.epsilon)), this.gamma!.read());
    return tf.add(tf.mul(tf.sub(x, mean), scale), this.beta!.read());
  }

  private updateMovingAverages(mean: tf.Tensor, variance: tf.Tensor): void {
    // Variable writes are not taped, so the moving statistics never receive gradients.
    const m = this.momentum;
    tf.tidy(() => {
      const meanValue = tf.add(tf.mul(this.movingMean!.read(), m), tf.mul(mean, 1 - m));
      const varValue = tf.add(tf.mul(this.movingVariance!.read(), m), tf.mul(variance, 1 - m));
      this.movingMean!.write(meanValue);
      this.movingVariance!.write(varValue);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(ChannelBatchNorm);

/** Whether the active backend has actlab's fused training kernels for x. */
function hasFusedKernels(x: tf.Tensor): boolean {
  // engine().backendName, unlike getBackend(), never starts a backend.
  const backend = tf.engine().backendName;
  return (
    x.dtype === 'float32' &&
    x.rank >= 2 &&
    tf.getKernel(CHANNEL_NORM_FORWARD, backend) !== undefined &&
    tf.getKernel(CHANNEL_NORM_BACKWARD, backend) !== undefined
  );
}
