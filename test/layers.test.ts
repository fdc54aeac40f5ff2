/**
 * actlab's custom tf.layers layers: values against plain references, gradients
 * against finite differences, moving statistics, save/load, and a train step.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { ChannelBatchNorm, GlobalAveragePooling3D, GroupedConv3D } from '../src/lib/layers';
import { randomArray, relativeError } from './helpers/reference-conv';

before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
  await initBackend({ backend: 'wasm', log: null });
});

/**
 * Checks d(sum(f(v)·r))/dv at a few coordinates against central differences
 * (float32, so the step and tolerance are loose).
 */
function checkGradient(f: (v: tf.Tensor) => tf.Tensor, v: tf.Tensor, seed: number): void {
  const r = tf.tensor(randomArray(f(v).size, seed), f(v).shape);
  const loss = (t: tf.Tensor) => tf.sum(tf.mul(f(t), r));
  const analytic = tf.grad(loss)(v).dataSync();
  const values = v.dataSync().slice();
  const eps = 1e-2;
  for (let n = 0; n < 6; n++) {
    const i = Math.floor((n * values.length) / 6 + 1) % values.length;
    const at = (delta: number) => {
      const shifted = values.slice();
      shifted[i]! += delta;
      return tf.tidy(() => loss(tf.tensor(shifted, v.shape)).dataSync()[0]!);
    };
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    const scale = Math.max(1, Math.abs(numeric));
    assert.ok(
      Math.abs(numeric - analytic[i]!) / scale < 2e-2,
      `coordinate ${i}: numeric ${numeric} vs analytic ${analytic[i]}`,
    );
  }
  r.dispose();
}

describe('GroupedConv3D', () => {
  test('groups=2 equals two independent conv3d on the channel halves', () => {
    tf.tidy(() => {
      const layer = new GroupedConv3D({ filters: 6, kernelSize: 3, strides: [1, 2, 2], groups: 2, useBias: false });
      const x = tf.tensor5d(randomArray(2 * 4 * 6 * 6 * 4, 1), [2, 4, 6, 6, 4]);
      const y = layer.apply(x) as tf.Tensor;
      assert.deepEqual(y.shape, [2, 4, 3, 3, 6]);
      const kernel = layer.getWeights()[0] as tf.Tensor5D;
      assert.deepEqual(kernel.shape, [3, 3, 3, 2, 6]);
      const [x0, x1] = tf.split(x, 2, 4) as tf.Tensor5D[];
      const [k0, k1] = tf.split(kernel, 2, 4) as tf.Tensor5D[];
      const expected = tf.concat([tf.conv3d(x0!, k0!, [1, 2, 2], 'same'), tf.conv3d(x1!, k1!, [1, 2, 2], 'same')], 4);
      assert.ok(relativeError(y.dataSync(), expected.dataSync()) < 1e-5);
      assert.deepEqual(layer.computeOutputShape([null, 4, 6, 6, 4]), [null, 4, 3, 3, 6]);
    });
  });

  test('gradient with respect to input and kernel matches finite differences', () => {
    tf.tidy(() => {
      const layer = new GroupedConv3D({ filters: 4, kernelSize: 3, strides: 2, groups: 2 });
      const x = tf.tensor5d(randomArray(1 * 3 * 5 * 5 * 4, 2), [1, 3, 5, 5, 4]);
      layer.apply(x);
      checkGradient((t) => layer.apply(t) as tf.Tensor, x, 3);
      const kernel = layer.getWeights()[0]!;
      const bias = layer.getWeights()[1]!;
      checkGradient(
        (k) =>
          tf.add(
            tf.concat(
              tf
                .split(x, 2, 4)
                .map((xg, g) => tf.conv3d(xg as tf.Tensor5D, tf.split(k, 2, 4)[g] as tf.Tensor5D, 2, 'same')),
              4,
            ),
            bias,
          ),
        kernel,
        4,
      );
    });
  });

  test('filters not divisible by groups is an error naming both', () => {
    assert.throws(() => new GroupedConv3D({ filters: 6, kernelSize: 3, groups: 4 }), {
      message: 'GroupedConv3D: filters (6) must be divisible by groups (4), a positive integer',
    });
  });
});

describe('ChannelBatchNorm', () => {
  test('5-D training normalizes per channel and updates the moving statistics', () => {
    const layer = new ChannelBatchNorm({ momentum: 0.9 });
    const x = tf.tensor5d(
      randomArray(2 * 3 * 4 * 4 * 5, 5).map((v, i) => v + (i % 5)),
      [2, 3, 4, 4, 5],
    );
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const { mean, variance } = tf.moments(y, [0, 1, 2, 3]);
    assert.ok(Math.max(...mean.abs().dataSync()) < 1e-5);
    assert.ok(Math.max(...variance.sub(1).abs().dataSync()) < 5e-3);
    const batch = tf.moments(x, [0, 1, 2, 3]);
    const [, , movingMean, movingVariance] = layer.getWeights();
    assert.ok(relativeError(movingMean!.dataSync(), batch.mean.mul(0.1).dataSync()) < 1e-5);
    assert.ok(relativeError(movingVariance!.dataSync(), batch.variance.mul(0.1).add(0.9).dataSync()) < 1e-5);
    // Inference uses the moving statistics, not the batch.
    const inference = layer.apply(x) as tf.Tensor;
    const expected = x.sub(movingMean!).div(movingVariance!.add(1e-3).sqrt());
    assert.ok(relativeError(inference.dataSync(), expected.dataSync()) < 1e-5);
    tf.dispose([x, y, mean, variance, batch.mean, batch.variance, inference, expected]);
    layer.dispose();
  });

  test('training-mode gradient matches finite differences', () => {
    tf.tidy(() => {
      const layer = new ChannelBatchNorm();
      const x = tf.tensor5d(randomArray(2 * 2 * 3 * 3 * 2, 6), [2, 2, 3, 3, 2]);
      checkGradient((t) => layer.apply(t, { training: true }) as tf.Tensor, x, 7);
    });
  });
});

describe('GlobalAveragePooling3D', () => {
  test('means over D, H, W and rejects rank 4', () => {
    tf.tidy(() => {
      const layer = new GlobalAveragePooling3D();
      const x = tf.tensor5d(randomArray(2 * 3 * 4 * 5 * 6, 8), [2, 3, 4, 5, 6]);
      const y = layer.apply(x) as tf.Tensor;
      assert.deepEqual(y.shape, [2, 6]);
      assert.ok(relativeError(y.dataSync(), tf.mean(x, [1, 2, 3]).dataSync()) < 1e-6);
      assert.throws(() => layer.apply(tf.zeros([2, 3, 4, 5])), /input must be \[N,D,H,W,C\]; got \[2,3,4,5\]/);
    });
  });
});

describe('a small ResNeXt-style model', () => {
  function build(): tf.LayersModel {
    const input = tf.input({ shape: [4, 8, 8, 3] });
    let x = new GroupedConv3D({ filters: 8, kernelSize: 3, strides: [1, 2, 2] }).apply(input) as tf.SymbolicTensor;
    x = new ChannelBatchNorm().apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
    x = new GroupedConv3D({ filters: 8, kernelSize: 3, groups: 4 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling3d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
    x = new GlobalAveragePooling3D().apply(x) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  }

  test('trains (loss falls) and saves/loads with the same predictions', async () => {
    const model = build();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor5d(randomArray(6 * 4 * 8 * 8 * 3, 9), [6, 4, 8, 8, 3]);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const first = (await model.trainOnBatch(xs, ys)) as number;
    let last = first;
    for (let i = 0; i < 15; i++) last = (await model.trainOnBatch(xs, ys)) as number;
    assert.ok(last < first, `loss ${first} → ${last}`);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const before = model.predict(xs) as tf.Tensor;
    const after = loaded.predict(xs) as tf.Tensor;
    assert.ok(relativeError(after.dataSync(), before.dataSync()) < 1e-6);
    tf.dispose([xs, ys, before, after]);
    model.dispose();
    loaded.dispose();
  });
});
