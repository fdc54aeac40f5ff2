/** Transfer learning: a trained model's features under a fresh classifier, with its backbone frozen or not. */
import * as tf from '@tensorflow/tfjs';

import { ChannelBatchNorm } from '../layers';
import { checkPositiveInt, checkRate, markPretrained } from './shape';

export interface NewHeadOptions {
  /** Classes of the new task: units of the new softmax layer. */
  readonly numClasses: number;
  /**
   * Keep the backbone fixed: its weights get no gradients and its batch norms
   * normalise with the statistics learnt in pretraining, in training too.
   */
  readonly freezeBackbone: boolean;
  /** Seeds the new head's initial weights. @default undefined (tfjs random) */
  readonly seed?: number;
  /** Dropout between the features and the new head. @default 0 */
  readonly dropout?: number;
}

type Sym = tf.SymbolicTensor;

/**
 * A new model: `base`'s layers up to its last feature layer (before the
 * classifier and its dropout), then a fresh softmax Dense of `numClasses`.
 * Input is `base`'s input ([N,T,H,W,C] for the 3D models, [N,H,W,C] for
 * cnn2d); output [N,numClasses] probabilities.
 *
 * The backbone is a copy with `base`'s current weights: training the new model
 * never changes `base`, and disposing one leaves the other usable. With
 * `freezeBackbone` the copied layers are not trainable and every batch norm
 * runs in inference mode (a `ChannelBatchNorm` with `trainable: false`): tfjs's
 * own BatchNormalization would keep normalising with batch statistics and
 * overwrite the pretrained moving averages while the head trains.
 *
 * ```
 * base:   input ─▶ … ─▶ features [N,F] ─▶ (dropout) ─▶ classifier [N,K]
 * result: input ─▶ … ─▶ features [N,F] ─▶ [dropout] ─▶ new_head [N,numClasses]
 * ```
 */
export function withNewHead(base: tf.LayersModel, options: NewHeadOptions): tf.LayersModel {
  const numClasses = checkPositiveInt('withNewHead', 'numClasses', options.numClasses);
  const dropout = checkRate('withNewHead', 'dropout', options.dropout ?? 0);
  const features = featureOutput(base);
  const copies = new Map<tf.layers.Layer, tf.layers.Layer>();
  const built = new Map<number, Sym>();
  const inputs = base.inputs.map((input) => {
    const copy = tf.input({
      shape: input.shape.slice(1) as number[],
      dtype: input.dtype,
      name: input.sourceLayer.name,
    });
    built.set(input.id, copy);
    return copy;
  });

  // Rebuild the graph from the features back to the inputs, copying each layer once.
  const rebuild = (sym: Sym): Sym => {
    const done = built.get(sym.id);
    if (done) return done;
    if (!sym.inputs?.length) {
      throw new Error(
        `withNewHead: ${base.name}'s feature layer depends on "${sym.name}", which is not one of its inputs; pass a model with one input graph`,
      );
    }
    const args = sym.inputs.map(rebuild);
    const layer = sym.sourceLayer;
    let copy = copies.get(layer);
    if (!copy) {
      copy = copyLayer(layer, options.freezeBackbone);
      copies.set(layer, copy);
    }
    const out = copy.apply(args.length === 1 ? args[0]! : args) as Sym | Sym[];
    const result = Array.isArray(out) ? out[sym.outputTensorIndex ?? 0]! : out;
    built.set(sym.id, result);
    return result;
  };
  let x = rebuild(features);
  for (const [layer, copy] of copies) copyWeights(layer, copy);

  if (dropout > 0) x = tf.layers.dropout({ name: 'new_head_dropout', rate: dropout }).apply(x) as Sym;
  const head = tf.layers.dense({
    name: 'new_head',
    units: numClasses,
    activation: 'softmax',
    ...(options.seed !== undefined ? { kernelInitializer: tf.initializers.heNormal({ seed: options.seed }) } : {}),
  });
  const output = head.apply(x) as Sym;
  return markPretrained(tf.model({ name: `${base.name}_new_head`, inputs, outputs: output }));
}

/**
 * The symbolic output the classifier reads: walks back from `base`'s single
 * output through the final Dense and any Dropout before it. Must be [N,F].
 */
function featureOutput(base: tf.LayersModel): Sym {
  if (base.outputs.length !== 1) {
    throw new Error(`withNewHead: ${base.name} has ${base.outputs.length} outputs; pass a classifier with one output`);
  }
  const output = base.outputs[0]!;
  const classifier = output.sourceLayer;
  if (classifier.getClassName() !== 'Dense' || output.inputs?.length !== 1) {
    throw new Error(
      `withNewHead: ${base.name} must end in a Dense classifier; its last layer "${classifier.name}" is a ${classifier.getClassName()}`,
    );
  }
  let features = output.inputs[0]!;
  while (features.sourceLayer.getClassName() === 'Dropout') features = features.inputs[0]!;
  if (features.rank !== 2) {
    throw new Error(
      `withNewHead: ${base.name}'s classifier reads "${features.sourceLayer.name}" of shape [${features.shape.map(String)}]; it must be [N,features] (pool or flatten before the classifier)`,
    );
  }
  return features;
}

/** A fresh layer with `layer`'s config; with `freeze`, not trainable and batch norms fixed (see {@link withNewHead}). */
function copyLayer(layer: tf.layers.Layer, freeze: boolean): tf.layers.Layer {
  const className = layer.getClassName();
  const config: tf.serialization.ConfigDict = { ...layer.getConfig(), trainable: !freeze };
  if (freeze && className === 'BatchNormalization') {
    const axis = config['axis'] as number;
    const rank = layer.inboundNodes[0]?.inputTensors[0]?.rank;
    if (axis !== -1 && axis !== (rank ?? 0) - 1) {
      throw new Error(
        `withNewHead: batch norm "${layer.name}" normalises axis ${axis}; freezing supports channels-last (axis -1) only`,
      );
    }
    return new ChannelBatchNorm({ name: layer.name, epsilon: config['epsilon'] as number, trainable: false });
  }
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) throw new Error(`withNewHead: layer class ${className} is not registered with tf.serialization`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as tf.layers.Layer;
}

/** Copies weights by name (gamma, beta, moving_mean, ...), so a BatchNormalization's go to its ChannelBatchNorm copy. */
function copyWeights(from: tf.layers.Layer, to: tf.layers.Layer): void {
  const source = new Map(from.weights.map((w) => [shortName(w.originalName), w]));
  const filled: tf.Tensor[] = [];
  const values = to.weights.map((w) => {
    const name = shortName(w.originalName);
    const found = source.get(name);
    if (found) return found.read();
    // A BatchNormalization without scale or center has no gamma or beta: 1 and 0 are what it applied.
    if (name !== 'gamma' && name !== 'beta') {
      throw new Error(`withNewHead: no weight "${name}" in layer "${from.name}" to copy`);
    }
    filled.push(tf.fill(w.shape as number[], name === 'gamma' ? 1 : 0));
    return filled[filled.length - 1]!;
  });
  to.setWeights(values);
  tf.dispose(filled);
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}
