/**
 * The "learned nothing" doctor: a healthy setup passes every check, and each
 * planted bug (shuffled labels, 0–255 input, LR 10× too high, identical
 * frames, group leakage) is caught by the check meant for it.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { type CheckId, diagnose, type DiagnoseOptions, diagnosisText } from '../src/lib/doctor';
import { c3d } from '../src/lib/models';
import { syntheticDataset, type SyntheticOptions } from './helpers/train-data';

before(async () => {
  await initBackend({ backend: 'cpu', log: null });
});

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
      leakage: 'pass',
    });
    assert.ok(diagnosis.ok);
    assert.ok(diagnosis.lrRange!.suggested > 0 && diagnosis.lrRange!.losses.length > 5);
    assert.match(diagnosisText(diagnosis), /^\[PASS\] Inputs are normalised/);
  });

  test('shuffled labels: the shuffled-label control finds no signal', async () => {
    const { diagnosis, status } = await run('shuffled-labels', {
      checks: ['label-shuffle-control', 'overfit-one-batch'],
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
});
