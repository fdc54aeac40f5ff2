/** The base tf.layers options (name, inputShape, trainable, ...), which tfjs does not export by name. */
import type * as tf from '@tensorflow/tfjs';

export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
