/**
 * Evaluation metrics against hand-computed values, Wilson intervals against
 * published values, video-level averaging, the report and run table as text,
 * and evaluate() over a dataset.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import {
  compareRuns,
  confusionMatrix,
  describeConfusions,
  evaluate,
  evaluatePredictions,
  formatAccuracy,
  misclassified,
  perClassMetrics,
  reportText,
  type RunRow,
  topConfusions,
  topKAccuracy,
  topKCorrect,
  videoLevel,
  wilsonInterval,
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

/** Both bounds of an interval to 3 decimals. */
function assertInterval(actual: readonly [number, number], expected: readonly [number, number]) {
  assert.deepEqual(
    actual.map((x) => x.toFixed(3)),
    expected.map((x) => x.toFixed(3)),
  );
}

describe('metrics', () => {
  test('top-1 and top-k accuracy', () => {
    assert.equal(topKAccuracy(probs, labels, 1), 3 / 6);
    // top-2 misses only sample 3 (truth 1 is ranked 2nd: 0.3 < 0.5, so it hits) → all but none? check by hand:
    // s0 hit, s1 truth 0 (0.3) 2nd → hit, s2 hit, s3 truth 1 (0.3) 2nd → hit, s4 truth 2 (0.4) 2nd → hit, s5 hit.
    assert.equal(topKAccuracy(probs, labels, 2), 1);
    // Ties go to the lower class index: truth 1 with [0.5, 0.5] is ranked 2nd.
    assert.equal(topKAccuracy([[0.5, 0.5]], [1], 1), 0);
    assert.equal(topKCorrect(probs, labels, 1), 3);
    assert.ok(Number.isNaN(topKAccuracy([], [])));
  });

  test('Wilson interval matches published values and its defining equation', () => {
    // Published 95% Wilson intervals (e.g. Newcombe 1998; Brown, Cai & DasGupta 2001).
    assertInterval(wilsonInterval(9, 10), [0.596, 0.982]);
    assertInterval(wilsonInterval(0, 10), [0, 0.278]);
    assertInterval(wilsonInterval(48, 96), [0.402, 0.598]);
    assertInterval(wilsonInterval(90, 96), [0.87, 0.971]);
    // All right: the upper bound is exactly 1 and the lower n / (n + z²).
    const [lo, hi] = wilsonInterval(96, 96);
    assert.equal(hi, 1);
    assert.equal(lo.toFixed(3), (96 / (96 + 1.96 ** 2)).toFixed(3));
    assert.equal(lo.toFixed(3), '0.962');
    assert.deepEqual(wilsonInterval(0, 10)[0], 0);
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
    // z = 1 (68%) is narrower than z = 1.96.
    assertInterval(wilsonInterval(9, 10, 1), [0.766, 0.961]);
    // The bounds are the p where |k/n − p| = z·√(p(1−p)/n), solved in float64.
    for (const [k, n] of [
      [1, 6],
      [3, 6],
      [37, 50],
      [72, 96],
    ] as const) {
      for (const p of wilsonInterval(k, n)) {
        assert.ok(Math.abs(Math.abs(k / n - p) - 1.96 * Math.sqrt((p * (1 - p)) / n)) < 1e-12, `${k}/${n} at ${p}`);
      }
    }
    assert.equal(formatAccuracy(90, 96), '93.8% (90/96, 95% CI 87.0–97.1%)');
    assert.equal(formatAccuracy(0, 0), '– (0/0, 95% CI 0.0–100.0%)');
    assert.throws(() => wilsonInterval(0.9, 10), {
      message:
        'wilsonInterval: successes must be a whole number from 0 to n = 10, got 0.9; pass the count of correct samples, not the accuracy',
    });
    assert.throws(() => wilsonInterval(1, -1), {
      message: 'wilsonInterval: n must be a whole number of trials ≥ 0, got -1',
    });
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
    // Counts and intervals from the counts: 3/6 and 6/6 clips, 3/3 videos.
    assert.deepEqual([report.clip.samples, report.clip.top1Correct, report.clip.topKCorrect], [6, 3, 6]);
    assertInterval(report.clip.top1Ci, [0.188, 0.812]);
    assertInterval(report.clip.topKCi, [0.61, 1]);
    assert.deepEqual([report.video!.samples, report.video!.top1Correct], [3, 3]);
    assertInterval(report.video!.top1Ci, [0.438, 1]);
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

  test('reportText gives each accuracy its count, 95% interval and chance', () => {
    const report = evaluatePredictions(probs, labels, {
      videoIds: ['a', 'a', 'b', 'b', 'c', 'c'],
      classNames: ['x', 'y', 'z'],
    });
    assert.deepEqual(reportText(report).split('\n'), [
      'class  precision  recall     F1  support',
      'x          50.0%   50.0%   50.0%        2',
      'y          50.0%   50.0%   50.0%        2',
      'z          50.0%   50.0%   50.0%        2',
      'macro      50.0%   50.0%   50.0%',
      'clip level:  top-1 50.0% (3/6, 95% CI 18.8–81.2%), top-3 100.0% (6/6, 95% CI 61.0–100.0%)',
      'video level: top-1 100.0% (3/3, 95% CI 43.8–100.0%), top-3 100.0% (3/3, 95% CI 43.8–100.0%)',
      'chance:      33.3% (1 of 3 classes); the clip-level top-1 interval reaches it: no evidence yet that the model beats guessing',
    ]);
    // 6/6 right: the interval (61.0–100%) clears chance, so no warning.
    const perfect = evaluatePredictions(probs, [0, 1, 1, 2, 0, 2], { classNames: ['x', 'y', 'z'] });
    assert.deepEqual(reportText(perfect).split('\n').slice(-2), [
      'clip level:  top-1 100.0% (6/6, 95% CI 61.0–100.0%), top-3 100.0% (6/6, 95% CI 61.0–100.0%)',
      'chance:      33.3% (1 of 3 classes)',
    ]);
  });

  test('compareRuns shows accuracies with their 95% interval and count', () => {
    const table = compareRuns([
      {
        model: 'c3d',
        params: 732_600,
        epochs: 10,
        seconds: 300,
        valAccuracy: 0.8125,
        valSamples: 16,
        testAccuracy: 0.75,
        testSamples: 96,
        numClasses: 8,
        note: '16×32×32 gray',
      },
      { model: 'resnext3d101', params: 48_478_672, epochs: 30, seconds: 36_000 },
    ]);
    assert.deepEqual(table.header, [
      'model',
      'params',
      'epochs',
      'time',
      'val acc [95% CI]',
      'test acc [95% CI]',
      'chance',
      'note',
    ]);
    assert.deepEqual(table.rows[0], [
      'c3d',
      '732.6 k',
      '10',
      '5.0 min',
      '81.3% [57.0, 93.4] (n=16)',
      '75.0% [65.5, 82.6] (n=96)',
      '12.5%',
      '16×32×32 gray',
    ]);
    assert.deepEqual(table.rows[1], ['resnext3d101', '48.48 M', '30', '10.0 h', '–', '–', '–', '']);
    assert.equal(
      table.text.split('\n')[2],
      'c3d           732.6 k  10      5.0 min  81.3% [57.0, 93.4] (n=16)  75.0% [65.5, 82.6] (n=96)  12.5%   16×32×32 gray',
    );
    assert.match(table.text, /^model +params +epochs +time +val acc \[95% CI\] +test acc \[95% CI\] +chance +note\n/);
    assert.ok(table.html.includes('<td>75.0% [65.5, 82.6] (n=96)</td>'), table.html);
    assert.match(table.html, /<td>resnext3d101<\/td>/);
  });

  test('compareRuns: validation without a count is shown bare and its header says so', () => {
    // A float32 val_acc from training logs (7/10 → 0.69999998…) still counts as 7 of 10.
    const table = compareRuns([
      { model: 'a', params: 1000, epochs: 1, seconds: 5, valAccuracy: 0.8125, testAccuracy: 0.75, testSamples: 96 },
      { model: 'b', params: 1000, epochs: 1, seconds: 5, valAccuracy: Math.fround(0.7), valSamples: 10 },
    ]);
    assert.equal(table.header[4], 'val acc [95% CI if n known]');
    assert.equal(table.header.includes('chance'), false);
    assert.deepEqual(
      table.rows.map((r) => r[4]),
      ['81.3%', '70.0% [39.7, 89.2] (n=10)'],
    );
  });

  test('compareRuns: a test accuracy needs its count, and the two must agree', () => {
    // @ts-expect-error RunRow requires testSamples with testAccuracy
    const untyped: RunRow = { model: 'c3d', params: 1000, epochs: 1, seconds: 5, testAccuracy: 0.75 };
    assert.throws(() => compareRuns([untyped]), {
      message:
        'compareRuns: run "c3d" has testAccuracy but no testSamples; pass testSamples (e.g. report.clip.samples) so that the table can show its interval',
    });
    assert.throws(
      () => compareRuns([{ model: 'c3d', params: 1000, epochs: 1, seconds: 5, testAccuracy: 0.8, testSamples: 96 }]),
      {
        message:
          'compareRuns: run "c3d": testAccuracy 0.8 of testSamples 96 is 76.8 correct samples, not a whole number; pass the accuracy and the sample count of the same test split',
      },
    );
    assert.throws(
      () => compareRuns([{ model: 'c3d', params: 1000, epochs: 1, seconds: 5, valAccuracy: 0.5, valSamples: 0 }]),
      {
        message: 'compareRuns: run "c3d" has valSamples 0; pass the number of val samples, a whole number above 0',
      },
    );
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
    assert.equal(a.clip.top1Correct, 3);
    assertInterval(a.clip.top1Ci, [0.188, 0.812]);
    assert.deepEqual(a.clip.confusion, b.clip.confusion);
    assert.deepEqual(
      a.misclassified.map((m) => m.index),
      [1, 3, 4],
    );
    model.dispose();
  });
});

test('topConfusions / describeConfusions', async (t) => {
  const names = ['left', 'right', 'up'];
  const confusion = [
    [5, 3, 0],
    [1, 6, 0],
    [0, 3, 4],
  ];

  await t.test('lists off-diagonal cells, largest first, with the true class support', () => {
    assert.deepEqual(topConfusions(confusion, names, 2), [
      { truth: 'left', predicted: 'right', count: 3, support: 8 },
      { truth: 'up', predicted: 'right', count: 3, support: 7 },
    ]);
  });

  await t.test('renders the sentence notebooks print, or says there were no mistakes', () => {
    assert.equal(
      describeConfusions(confusion, names),
      'the most frequent mistakes: left taken for right (3 of 8), up taken for right (3 of 7), right taken for left (1 of 7)',
    );
    assert.equal(
      describeConfusions(
        [
          [2, 0],
          [0, 2],
        ],
        ['a', 'b'],
      ),
      'no mistakes: every clip was predicted as its own class',
    );
  });
});
