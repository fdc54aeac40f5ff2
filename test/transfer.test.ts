/**
 * withNewHead: the cut at the feature layer for the 2D and 3D models, a
 * frozen backbone that really stays fixed in training (batch-norm statistics
 * included), a fine-tuned one that learns without touching the base, seeded
 * heads, save/load, exact errors and no leaked tensors.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { c3dSmall, cnn2d, resnext3dTiny, seedWeights, summary, withNewHead } from '../src/lib/models';
import { readCacheInfo } from '../src/lib/recipes';
import { BUNDLED_CLASSES, ensureHeldOutSet, PEOPLE_ACTIONS } from '../src/lib/synth';
import { fileIO, train } from '../src/lib/train';

const scratch = mkdtempSync(join(tmpdir(), 'actlab-transfer-'));

before(async () => {
  await initBackend({ backend: 'wasm', log: null });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  /** A seeded base model with 6 classes. */
  readonly build: () => tf.LayersModel;
  /** The layer whose output feeds the classifier, and its width. */
  readonly feature: string;
  readonly features: number;
  readonly inputShape: readonly number[];
}

const CASES: readonly Case[] = [
  {
    name: 'cnn2d (ChannelBatchNorm, dropout before the classifier)',
    build: () => cnn2d({ inputShape: [8, 8, 1], numClasses: 6, width: 4, depth: 2, seed: 1 }),
    feature: 'gap',
    features: 8,
    inputShape: [8, 8, 1],
  },
  {
    name: 'c3dSmall (ChannelBatchNorm, two dense layers)',
    build: () => c3dSmall({ inputShape: [4, 8, 8, 1], numClasses: 6, stages: 3, units: 12, seed: 1 }),
    feature: 'fc7',
    features: 12,
    inputShape: [4, 8, 8, 1],
  },
  {
    name: 'c3d with dropout after each dense layer',
    build: () => c3dSmall({ inputShape: [4, 8, 8, 1], numClasses: 6, stages: 3, units: 12, dropout: 0.5, seed: 1 }),
    feature: 'fc7',
    features: 12,
    inputShape: [4, 8, 8, 1],
  },
  {
    name: 'resnext3dTiny (functional graph with shortcuts)',
    build: () => resnext3dTiny({ inputShape: [4, 8, 8, 1], numClasses: 6, cardinality: 2, width: 2, seed: 1 }),
    feature: 'gap',
    features: 32,
    inputShape: [4, 8, 8, 1],
  },
  {
    name: "a 2D CNN with tfjs's BatchNormalization",
    build: () => {
      const model = tf.sequential({ name: 'tfjs_bn' });
      model.add(
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', useBias: false }),
      );
      model.add(tf.layers.batchNormalization({ name: 'bn' }));
      model.add(tf.layers.reLU());
      model.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
      model.add(tf.layers.dropout({ rate: 0.25 }));
      model.add(tf.layers.dense({ name: 'classifier', units: 6, activation: 'softmax' }));
      seedWeights(model, 1);
      return model;
    },
    feature: 'gap',
    features: 4,
    inputShape: [8, 8, 1],
  },
];

/** The output of layer `name` for x, in inference mode. */
function featuresOf(model: tf.LayersModel, name: string, x: tf.Tensor): Float32Array {
  const features = tf.model({ inputs: model.inputs, outputs: model.getLayer(name).output as tf.SymbolicTensor });
  return (features.predict(x) as tf.Tensor).dataSync() as Float32Array;
}

/** Equal to float32 rounding: |a−b| ≤ 1e-5·max(1,|b|) everywhere. */
function assertClose(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i]!) / Math.max(1, Math.abs(expected[i]!))));
  assert.ok(worst <= 1e-5, `features differ by up to ${worst} (relative)`);
}

/** A small seeded batch: inputs [N,...inputShape] and one-hot labels of 3 classes. */
function batch(inputShape: readonly number[], n = 6): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomNormal([n, ...inputShape], 0, 1, 'float32', 7),
    y: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2].slice(0, n), 'int32'), 3),
  }));
}

/** Every weight's values by layer and weight name (moving statistics included). */
function weightValues(model: tf.LayersModel, skip: readonly string[] = []): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const layer of model.layers) {
    if (skip.includes(layer.name)) continue;
    for (const w of layer.weights) {
      const name = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      out.set(`${layer.name}/${name}`, w.read().dataSync() as Float32Array);
    }
  }
  return out;
}

function changed(before: Map<string, Float32Array>, after: Map<string, Float32Array>): string[] {
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  return [...before]
    .filter(([key, v]) => !tf.util.arraysEqual(v, after.get(key)!))
    .map(([key]) => key)
    .sort();
}

/** Fits on a seeded batch; compiles with SGD the first time. */
async function fit(model: tf.LayersModel, inputShape: readonly number[], epochs = 3): Promise<void> {
  const { x, y } = batch(inputShape);
  if (!model.optimizer) model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
  await model.fit(x, y, { epochs, batchSize: 3, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
}

describe('withNewHead', () => {
  for (const c of CASES) {
    test(`${c.name}: cut at "${c.feature}", same features, new head trainable alone when frozen`, () => {
      const base = c.build();
      const frozen = withNewHead(base, { numClasses: 3, freezeBackbone: true, seed: 2 });
      const tuned = withNewHead(base, { numClasses: 3, freezeBackbone: false, seed: 2 });
      const head = c.features * 3 + 3;
      assert.deepEqual(frozen.outputs[0]!.shape, [null, 3]);
      assert.equal(frozen.layers.at(-2)!.name, c.feature);
      assert.equal(summary(frozen).trainableParams, head);
      const baseClassifier = base.layers.at(-1)!.countParams();
      assert.equal(summary(tuned).trainableParams, summary(base).trainableParams - baseClassifier + head);
      // The copy computes the base's features (inference mode; a frozen tfjs BN is a ChannelBatchNorm, equal to float32 rounding).
      tf.tidy(() => {
        const x = tf.randomNormal([2, ...c.inputShape], 0, 1, 'float32', 3);
        const expected = featuresOf(base, c.feature, x);
        for (const m of [frozen, tuned]) assertClose(featuresOf(m, c.feature, x), expected);
      });
      [base, frozen, tuned].forEach((m) => m.dispose());
    });

    test(`${c.name}: training leaves a frozen backbone (BN statistics too) and the base unchanged`, async () => {
      const base = c.build();
      const model = withNewHead(base, { numClasses: 3, freezeBackbone: true, seed: 2 });
      const baseBefore = weightValues(base);
      const before = weightValues(model);
      await fit(model, c.inputShape);
      assert.deepEqual(changed(before, weightValues(model)), ['new_head/bias', 'new_head/kernel']);
      assert.deepEqual(changed(baseBefore, weightValues(base)), []);
      base.dispose();
      model.dispose();
    });

    test(`${c.name}: a fine-tuned backbone learns and the base stays as it was`, async () => {
      const base = c.build();
      const model = withNewHead(base, { numClasses: 3, freezeBackbone: false, seed: 2 });
      const baseBefore = weightValues(base);
      const before = weightValues(model);
      await fit(model, c.inputShape);
      const moved = changed(before, weightValues(model));
      assert.ok(moved.includes(`${c.feature === 'gap' ? model.layers[1]!.name : 'fc7'}/kernel`), moved.join(', '));
      assert.ok(moved.length > 4, moved.join(', '));
      assert.deepEqual(changed(baseBefore, weightValues(base)), []);
      base.dispose();
      model.dispose();
    });
  }

  test('the seed fixes the new head; dropout goes before it', () => {
    const base = CASES[1]!.build();
    const heads = [2, 2, 3].map((seed) => {
      const m = withNewHead(base, { numClasses: 3, freezeBackbone: true, seed, dropout: 0.3 });
      assert.deepEqual(
        m.layers.slice(-3).map((l) => l.name),
        ['fc7', 'new_head_dropout', 'new_head'],
      );
      const kernel = m.getLayer('new_head').getWeights()[0]!.dataSync().slice();
      m.dispose();
      return kernel;
    });
    assert.deepEqual(heads[0], heads[1]);
    assert.notDeepEqual(heads[0], heads[2]);
    base.dispose();
  });

  test('a frozen model saves and loads with its backbone still frozen', async () => {
    const base = CASES[0]!.build();
    const model = withNewHead(base, { numClasses: 3, freezeBackbone: true, seed: 2 });
    const dir = join(scratch, 'frozen');
    await model.save(fileIO(dir));
    const loaded = await tf.loadLayersModel(fileIO(dir));
    assert.equal(summary(loaded).trainableParams, 8 * 3 + 3);
    const before = weightValues(loaded);
    await fit(loaded, CASES[0]!.inputShape, 1);
    assert.deepEqual(changed(before, weightValues(loaded)), ['new_head/bias', 'new_head/kernel']);
    tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3);
      assert.deepEqual(featuresOf(loaded, 'gap', x), featuresOf(model, 'gap', x));
    });
    [base, model, loaded].forEach((m) => m.dispose());
  });

  test('no tensors leak: building, training and disposing returns to the same count', async () => {
    const base = CASES[3]!.build();
    const start = tf.memory().numTensors;
    for (const freezeBackbone of [true, false]) {
      const model = withNewHead(base, { numClasses: 3, freezeBackbone, seed: 2 });
      await fit(model, CASES[3]!.inputShape, 1);
      const afterOne = tf.memory().numTensors;
      await fit(model, CASES[3]!.inputShape, 2);
      assert.equal(tf.memory().numTensors, afterOne, `tensors grew between epochs (freezeBackbone ${freezeBackbone})`);
      model.optimizer.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, start, `tensors left after dispose (freezeBackbone ${freezeBackbone})`);
    }
    base.dispose();
  });

  test('train refuses a seed that would wipe a pretrained backbone; without one it fine-tunes from it', async () => {
    const base = CASES[0]!.build();
    const tuned = withNewHead(base, { numClasses: 3, freezeBackbone: false, seed: 1 });
    const { x, y } = batch(CASES[0]!.inputShape);
    const data = tf.data.zip({ xs: tf.data.array([x]), ys: tf.data.array([y]) }) as tf.data.Dataset<{
      xs: tf.Tensor;
      ys: tf.Tensor;
    }>;
    const start = weightValues(tuned, ['new_head']);
    await assert.rejects(
      train(tuned, data, { epochs: 1, seed: 1, progress: false, log: null }),
      /^Error: train: seed 1 would re-initialise the learned weights of ".*_new_head" \(a loaded or pretrained model\); leave seed unset/,
    );
    assert.deepEqual(changed(start, weightValues(tuned, ['new_head'])), [], 'nothing was re-initialised');
    await train(tuned, data, { epochs: 1, progress: false, log: null });
    const moved = changed(start, weightValues(tuned, ['new_head']));
    assert.ok(moved.length > 0, 'fine-tuning moved the backbone');
    tf.dispose([x, y]);
    tuned.dispose();
    base.dispose();
  });

  test('errors name the model, the layer and the fix', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const conv = tf.layers.conv2d({ name: 'conv', filters: 2, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
    const noDense = tf.model({ name: 'nohead', inputs: input, outputs: conv });
    assert.throws(
      () => withNewHead(noDense, { numClasses: 3, freezeBackbone: true }),
      new Error('withNewHead: nohead must end in a Dense classifier; its last layer "conv" is a Conv2D'),
    );
    const spatial = tf.layers.dense({ name: 'fc', units: 3 }).apply(conv) as tf.SymbolicTensor;
    assert.throws(
      () =>
        withNewHead(tf.model({ name: 'spatial', inputs: input, outputs: spatial }), {
          numClasses: 3,
          freezeBackbone: true,
        }),
      new Error(
        'withNewHead: spatial\'s classifier reads "conv" of shape [null,4,4,2]; it must be [N,features] (pool or flatten before the classifier)',
      ),
    );
    const base = CASES[0]!.build();
    assert.throws(() => withNewHead(base, { numClasses: 0, freezeBackbone: true }), /withNewHead: numClasses/);
    assert.throws(
      () => withNewHead(base, { numClasses: 3, freezeBackbone: true, dropout: 1 }),
      new Error('withNewHead: dropout must be in [0, 1); got 1'),
    );
    base.dispose();
    noDense.dispose();
  });
});

describe('synth.ensureHeldOutSet', () => {
  test('people: the 4 actions the bundled set leaves out, by new actors in any scene, split by actor', async () => {
    const set = await ensureHeldOutSet({ trainPerClass: 2, testPerClass: 3 });
    assert.deepEqual(set.classes, ['box', 'kick', 'skip', 'squat']);
    assert.ok(set.classes.every((c) => !PEOPLE_ACTIONS.includes(c)));
    const cache = readCacheInfo(set.cacheDir);
    assert.deepEqual(cache.classes, set.classes);
    assert.deepEqual(cache.splits, { train: 8, test: 12 });
    assert.deepEqual(cache.shape, [16, 64, 64, 3]);
    // No action owns a scene here: the 20 clips are filmed in scenes drawn evenly from all eight.
    const manifest = JSON.parse(readFileSync(join(set.videos, 'manifest.json'), 'utf8')) as {
      items: Array<{ scene: string }>;
    };
    assert.ok(new Set(manifest.items.map((item) => item.scene)).size >= 5, 'scenes drawn from all eight');
  });

  test('shapes: the 4 motions the shapes set leaves out', async () => {
    const set = await ensureHeldOutSet({ set: 'shapes', trainPerClass: 2, testPerClass: 3 });
    assert.deepEqual(set.classes, ['move_down_left', 'move_down_right', 'rotate_ccw', 'rotate_cw']);
    assert.ok(set.classes.every((c) => !BUNDLED_CLASSES.includes(c)));
    const cache = readCacheInfo(set.cacheDir);
    assert.deepEqual(cache.splits, { train: 8, test: 12 });
    assert.deepEqual(cache.shape, [16, 32, 32, 1]);
  });
});
