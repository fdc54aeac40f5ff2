/** Global average pooling over time and space: [N,D,H,W,C] → [N,C]. tf.layers has no 3-D version. */
import * as tf from '@tensorflow/tfjs';

import type { LayerArgs } from './layer-args';

/** Only the base tf.layers options (name, ...). */
export type GlobalAveragePooling3DArgs = LayerArgs;

/** Means channels-last video features [N,D,H,W,C] (float32) over D, H and W → [N,C]. */
export class GlobalAveragePooling3D extends tf.layers.Layer {
  static className = 'ActlabGlobalAveragePooling3D';

  constructor(args: GlobalAveragePooling3DArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = inputShape as tf.Shape;
    if (shape.length !== 5) {
      throw new Error(`GlobalAveragePooling3D: input must be [N,D,H,W,C]; got [${shape.map(String)}]`);
    }
    return [shape[0] ?? null, shape[4] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 5) throw new Error(`GlobalAveragePooling3D: input must be [N,D,H,W,C]; got [${x.shape}]`);
    return tf.mean(x, [1, 2, 3]);
  }
}
tf.serialization.registerClass(GlobalAveragePooling3D);
