/** Evaluation metrics against hand-computed values, video-level averaging, and evaluate() over a dataset. */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import {
  compareRuns,
  confusionMatrix,
  evaluate,
  evaluatePredictions,
  misclassified,
  perClassMetrics,
  topKAccuracy,
  videoLevel,
} from '../src/lib/eval';

before(async () => {
  await initBackend({ backend: 'cpu', log: null });
});

// 6 samples, 3 classes. Predictions (argmax): 0, 1, 1, 2, 0, 2; truth 0, 0, 1, 1, 2, 2.
const probs = [
  [0.7, 0.2, 0.1],
  [0.3, 0.6, 0.1],
  [0.1, 0.8, 0.1],
  [0.2, 0.3, 0.5],
  [0.5, 0.1, 0.4],
  [0.1, 0.1, 0.8],
];
const labels = [0, 0, 1, 1, 2, 2];

describe('metrics', () => {
  test('top-1 and top-k accuracy', () => {
    assert.equal(topKAccuracy(probs, labels, 1), 3 / 6);
    // top-2 misses only sample 3 (truth 1 is ranked 2nd: 0.3 < 0.5, so it hits) → all but none? check by hand:
    // s0 hit, s1 truth 0 (0.3) 2nd → hit, s2 hit, s3 truth 1 (0.3) 2nd → hit, s4 truth 2 (0.4) 2nd → hit, s5 hit.
    assert.equal(topKAccuracy(probs, labels, 2), 1);
    // Ties go to the lower class index: truth 1 with [0.5, 0.5] is ranked 2nd.
    assert.equal(topKAccuracy([[0.5, 0.5]], [1], 1), 0);
  });

  test('confusion matrix and per-class precision/recall/F1', () => {
    const confusion = confusionMatrix(labels, [0, 1, 1, 2, 0, 2], 3);
    assert.deepEqual(confusion, [
      [1, 1, 0],
      [0, 1, 1],
      [1, 0, 1],
    ]);
    const report = perClassMetrics(confusion);
    // Every class: 1 true positive of 2 predicted and 2 actual → P = R = F1 = 0.5.
    for (const m of report.perClass) assert.deepEqual(m, { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    assert.equal(report.accuracy, 0.5);
    const skewed = perClassMetrics([
      [3, 1],
      [0, 0],
    ]);
    assert.deepEqual(skewed.perClass[0], { precision: 1, recall: 0.75, f1: 6 / 7, support: 4 });
    assert.deepEqual(skewed.perClass[1], { precision: 0, recall: 0, f1: 0, support: 0 });
    assert.equal(skewed.macro.recall, 0.75); // class 1 has no samples: left out of the mean
    assert.throws(() => confusionMatrix([0, 3], [0, 0], 3), {
      message: 'confusionMatrix: class index out of range 0..2 (label 3, predicted 0)',
    });
  });

  test('video level averages clip probabilities per video', () => {
    const v = videoLevel(probs, labels, ['a', 'a', 'b', 'b', 'c', 'c']);
    assert.deepEqual(v.ids, ['a', 'b', 'c']);
    assert.deepEqual(v.clipCounts, [2, 2, 2]);
    assert.deepEqual(v.labels, [0, 1, 2]);
    v.probs[0]!.forEach((p, c) => assert.ok(Math.abs(p - [0.5, 0.4, 0.1][c]!) < 1e-12));
    // Averaging fixes video b (0.55 for class 1) and c (0.6 for class 2): 3/3 at video level vs 3/6 per clip.
    const report = evaluatePredictions(probs, labels, {
      videoIds: ['a', 'a', 'b', 'b', 'c', 'c'],
      classNames: ['x', 'y', 'z'],
    });
    assert.equal(report.clip.top1, 0.5);
    assert.equal(report.video!.top1, 1);
    assert.equal(report.k, 3);
    assert.throws(() => videoLevel(probs, [0, 1, 1, 1, 2, 2], ['a', 'a', 'b', 'b', 'c', 'c']), {
      message: 'videoLevel: clips of video "a" have different labels (0 and 1)',
    });
  });

  test('misclassified are sorted by confidence and carry ids', () => {
    const wrong = misclassified(probs, labels, ['s0', 's1', 's2', 's3', 's4', 's5']);
    assert.deepEqual(
      wrong.map((m) => [m.index, m.id, m.trueLabel, m.predictedLabel, m.confidence]),
      [
        [1, 's1', 0, 1, 0.6],
        [3, 's3', 1, 2, 0.5],
        [4, 's4', 2, 0, 0.5],
      ],
    );
  });

  test('compareRuns renders a table', () => {
    const table = compareRuns([
      {
        model: 'c3d',
        params: 732_600,
        epochs: 10,
        seconds: 300,
        valAccuracy: 0.8125,
        testAccuracy: 0.75,
        note: '8 classes',
      },
      { model: 'resnext3d101', params: 48_478_672, epochs: 30, seconds: 36_000 },
    ]);
    assert.deepEqual(table.rows[0], ['c3d', '732.6 k', '10', '5.0 min', '81.3%', '75.0%', '8 classes']);
    assert.deepEqual(table.rows[1], ['resnext3d101', '48.48 M', '30', '10.0 h', '–', '–', '']);
    assert.match(table.text, /^model +params +epochs/);
    assert.match(table.html, /<td>resnext3d101<\/td>/);
  });
});

describe('evaluate', () => {
  test('runs a model over a dataset (one-hot and sparse labels agree)', async () => {
    // A fixed "model": dense layer with identity weights → softmax of the inputs.
    const input = tf.input({ shape: [3] });
    const dense = tf.layers.dense({ units: 3, activation: 'softmax', useBias: false, weights: [tf.eye(3)] });
    const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
    const logProbs = probs.map((row) => row.map(Math.log));
    const oneHot = tf.data
      .array(logProbs.map((row, i) => ({ xs: tf.tensor1d(row), ys: tf.oneHot(labels[i]!, 3) })))
      .batch(4);
    const sparse = tf.data
      .array(logProbs.map((row, i) => ({ xs: tf.tensor1d(row), ys: tf.scalar(labels[i]!, 'int32') })))
      .batch(4);
    const before = tf.memory().numTensors;
    const a = await evaluate(model, oneHot as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>);
    const b = await evaluate(model, sparse as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>);
    assert.equal(tf.memory().numTensors, before);
    assert.equal(a.clip.top1, 0.5);
    assert.deepEqual(a.clip.confusion, b.clip.confusion);
    assert.deepEqual(
      a.misclassified.map((m) => m.index),
      [1, 3, 4],
    );
    model.dispose();
  });
});
