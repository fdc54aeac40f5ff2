/**
 * The "learned nothing" doctor on tiny synthetic clips (fast, CPU backend): a
 * healthy setup passes every check, each planted bug (shuffled labels, 0–255
 * input, LR 10× too high, identical frames, group leakage, a shifted label
 * map) is caught by the check meant for it, and no tensor leaks, also when
 * the data throws midway. test/doctor-planted.test.ts does the same on the
 * bundled data with the tutorial's models.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { type CheckId, diagnose, type DiagnoseOptions, diagnosisText } from '../src/lib/doctor';
import { bestRelabelling } from '../src/lib/doctor/label-map';
import { c3d } from '../src/lib/models';
import { syntheticDataset, type SyntheticOptions } from './helpers/train-data';

before(async () => {
  await initBackend({ backend: 'cpu', log: null });
});

/**
 * Passes its input through; once trained, it throws in inference. The model
 * itself never trains, so the throw comes midway through a check that
 * trained a copy. (A throw inside tfjs's training step would leak the
 * tensors tfjs keeps for backprop, out of anyone's reach.)
 */
class FailsAfterTraining extends tf.layers.Layer {
  static className = 'DoctorTestFailsAfterTraining';
  private trained = false;
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    if (kwargs['training'] === true) this.trained = true;
    else if (this.trained) throw new Error('planted failure after training');
    return tf.clone(Array.isArray(inputs) ? inputs[0]! : inputs);
  }
}
tf.serialization.registerClass(FailsAfterTraining);

const freshModel = () => c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, dropout: 0, seed: 1 });

/** Diagnoses a fresh tiny C3D on synthetic data with `bug`; returns status per check. */
async function run(bug: SyntheticOptions['bug'], options: DiagnoseOptions) {
  const model = freshModel();
  const diagnosis = await diagnose(model, syntheticDataset({ count: 64, seed: 5, bug }), options);
  model.dispose();
  const status = Object.fromEntries(diagnosis.checks.map((c) => [c.id, c.status])) as Record<CheckId, string>;
  return { diagnosis, status };
}

describe('diagnose', () => {
  test('a healthy setup passes every check and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const { diagnosis, status } = await run(undefined, {
      learningRate: 0.1, // the SGD preset's rate
      optimizer: 'sgd',
      groups: { train: ['actor1', 'actor2'], validation: ['actor3'] },
      classNames: { trained: ['a', 'b', 'c', 'd'], data: ['a', 'b', 'c', 'd'] },
    });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(status, {
      'input-stats': 'pass',
      'frames-differ': 'pass',
      'label-balance': 'pass',
      'initial-loss': 'pass',
      'nan-dead-relu': 'pass',
      'overfit-one-batch': 'pass',
      'label-shuffle-control': 'pass',
      'learning-rate': 'pass',
      'label-map': 'pass',
      leakage: 'pass',
    });
    assert.ok(diagnosis.ok);
    assert.ok(diagnosis.lrRange!.suggested > 0 && diagnosis.lrRange!.losses.length > 5);
    assert.match(diagnosisText(diagnosis), /^\[PASS\] Inputs are normalised/);
  });

  test('shuffled labels: the shuffled-label control finds no signal', async () => {
    const { diagnosis, status } = await run('shuffled-labels', {
      checks: ['label-shuffle-control', 'overfit-one-batch'],
      controlSteps: 60, // the healthy tiny model clears the control in 10 steps
    });
    assert.equal(status['label-shuffle-control'], 'fail');
    // Memorising 8 clips still works: only the control tells shuffled labels apart.
    assert.equal(status['overfit-one-batch'], 'pass');
    assert.ok(!diagnosis.ok);
  });

  test('unnormalised 0–255 input: input stats and first loss fail', async () => {
    const { diagnosis, status } = await run('unnormalised', { checks: ['input-stats', 'initial-loss'] });
    assert.deepEqual(status, { 'input-stats': 'fail', 'initial-loss': 'fail' });
    assert.match(diagnosis.checks[0]!.advice, /divide by 255/);
  });

  test('learning rate 10× too high: the planned rate loses to a tenth of it', async () => {
    const { diagnosis, status } = await run(undefined, {
      checks: ['learning-rate'],
      learningRate: 1.0,
      optimizer: 'sgd',
    });
    assert.equal(status['learning-rate'], 'fail');
    assert.match(diagnosis.checks[0]!.verdict, /^Learning rate 1 is too high\./);
  });

  test('identical frames: frames-differ fails with a readable verdict', async () => {
    const { diagnosis, status } = await run('identical-frames', { checks: ['frames-differ', 'input-stats'] });
    assert.deepEqual(status, { 'frames-differ': 'fail', 'input-stats': 'pass' });
    assert.equal(
      diagnosis.checks.find((c) => c.id === 'frames-differ')!.verdict,
      'All 4 frames of each clip are identical (mean |frame t+1 − frame t| = 0). A video model cannot see motion.',
    );
  });

  test('train/validation leakage by group', async () => {
    const { diagnosis } = await run(undefined, {
      checks: ['leakage'],
      groups: { train: ['a', 'b', 'c'], validation: ['c', 'd'] },
    });
    assert.equal(diagnosis.checks[0]!.status, 'fail');
    assert.match(diagnosis.checks[0]!.verdict, /^1 group\(s\) appear in both train and validation \(e\.g\. c\)/);
  });

  test('chance is 1/C in every verdict, and the control trains copies without touching the model', async () => {
    const model = freshModel();
    const weights = model.getWeights().map((w) => w.dataSync().slice());
    const diagnosis = await diagnose(model, syntheticDataset({ count: 64, seed: 5 }), {
      checks: ['overfit-one-batch', 'label-shuffle-control'],
    });
    model.getWeights().forEach((w, i) => assert.deepEqual(w.dataSync(), weights[i]));
    model.dispose();
    for (const check of diagnosis.checks) assert.match(check.verdict, /\(chance 25%\)/);
    const control = diagnosis.checks.find((c) => c.id === 'label-shuffle-control')!;
    assert.equal(control.details['chance'], 0.25);
    assert.equal(control.details['learningRate'], 0.001, 'Adam at 0.001 unless told otherwise');
  });

  test("the control trains at the model's own rate when given, and refuses a rate that is not positive", async () => {
    const model = freshModel();
    const checks = ['label-shuffle-control'] as const;
    const fast = await diagnose(model, syntheticDataset({ count: 64, seed: 5 }), {
      checks,
      controlLearningRate: 0.003,
    });
    assert.equal(fast.checks[0]!.details['learningRate'], 0.003);
    assert.match(fast.checks[0]!.verdict, /Adam steps \(lr 0\.003, batches of 16/);
    await assert.rejects(
      diagnose(model, syntheticDataset({ count: 64, seed: 5 }), { checks, controlLearningRate: 0 }),
      /controlLearningRate must be a positive number, got 0/,
    );
    model.dispose();
  });

  test('labels off by one: the label map check compares class names', async () => {
    const { diagnosis, status } = await run(undefined, {
      checks: ['label-map', 'initial-loss'],
      classNames: { trained: ['a', 'b', 'c', 'd'], data: ['d', 'a', 'b', 'c'] },
    });
    assert.deepEqual(status, { 'label-map': 'fail', 'initial-loss': 'pass' });
    assert.equal(
      diagnosis.checks.find((c) => c.id === 'label-map')!.verdict,
      "The data numbers the classes differently from the model (every data label is the model's class + 1 (mod 4): off by one): " +
        'data label 0 "d" is the model\'s class 3, data label 1 "a" is the model\'s class 0, data label 2 "b" is the model\'s class 1.',
    );
  });

  test('an untrained model without class names cannot show a relabelling: the label map check is skipped', async () => {
    const { diagnosis } = await run(undefined, { checks: ['label-map'] });
    assert.equal(diagnosis.checks[0]!.status, 'skip');
    assert.match(
      diagnosis.checks[0]!.verdict,
      /^Not checked: no class names given, and an untrained model cannot show a relabelling\./,
    );
  });

  test('bestRelabelling finds a shift in the predictions and ignores a constant guess', () => {
    const labels = [0, 1, 2, 3, 0, 1, 2, 3];
    const shifted = bestRelabelling(
      labels,
      labels.map((l) => (l + 3) % 4),
      4,
    );
    assert.deepEqual(shifted, { mapping: [3, 0, 1, 2], accuracy: 1, identityAccuracy: 0 });
    const constant = bestRelabelling(labels, [2, 2, 2, 2, 2, 2, 2, 2], 4);
    assert.equal(constant.accuracy, 0.25);
  });

  test('no tensor leaks when the data throws midway (second batch of another shape)', async () => {
    const model = freshModel();
    const good = syntheticDataset({ count: 8, seed: 5 });
    const odd = syntheticDataset({ count: 8, seed: 5, shape: [4, 8, 6, 1] });
    const before = tf.memory().numTensors;
    await assert.rejects(diagnose(model, good.concatenate(odd), { maxSamples: 16 }), /concat|shape/i);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });

  test('no tensor leaks when a check throws midway (after training its copy)', async () => {
    const model = freshModel();
    model.add(new FailsAfterTraining({}));
    const before = tf.memory().numTensors;
    await assert.rejects(diagnose(model, syntheticDataset({ count: 64, seed: 5 })), /planted failure after training/);
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
  });
});
