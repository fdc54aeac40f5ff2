/**
 * The doctor on the bundled data with the tutorial's C3D: a healthy model
 * passes, and each planted bug is flagged by the check meant for it while the
 * checks that should not see it pass. The shuffled-label control needs
 * minutes (its copies must generalise): test/doctor-control.test.ts has it.
 *
 *   bug                  fails                         must pass
 *   shuffled labels      label-shuffle-control         data checks, initial-loss, overfit (memorising works on any labels)
 *   0–255 input          input-stats, initial-loss     frames-differ, label-balance, overfit (batch norm absorbs the scale)
 *   learning rate ×100   learning-rate                 data checks, initial-loss, overfit (it uses its own Adam 1e-3)
 *   one frame repeated   frames-differ                 input-stats, label-balance, initial-loss, overfit
 *   labels off by one    label-map: the class names,   every other check: a consistent relabelling trains
 *                        or a trained model's guesses  as well as the right labels
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { CHECK_IDS, diagnose } from '../src/lib/doctor';
import { trainCopy } from '../src/lib/doctor/samples';
import { recipe } from '../src/lib/recipes';
import {
  type BundledClips,
  buildRecipe,
  CHEAP,
  diagnosePlanted,
  everything,
  expectStatus,
  plantedDataset,
  readBundledClips,
  verdictOf,
} from './helpers/bundled-clips';

let clips: BundledClips;

before(async () => {
  await initBackend({ backend: 'wasm', log: null });
  // 64 clips: 8 per class for label balance and the label-map probe; the checks here use at most that.
  clips = await readBundledClips(64);
});

describe('diagnose on the bundled data (C3D)', () => {
  test('a healthy C3D passes every check but the (slow) shuffled-label control', async () => {
    const model = buildRecipe(clips, 'c3d');
    const checks = CHECK_IDS.filter((id) => id !== 'label-shuffle-control');
    const diagnosis = await diagnosePlanted(model, clips, undefined, { ...everything(clips, 'c3d'), checks });
    expectStatus(diagnosis, 'pass', checks);
    assert.match(
      verdictOf(diagnosis, 'overfit-one-batch'),
      /^Memorised 8 samples in \d+ Adam steps .*\(chance 12\.5%\)/,
    );
    model.dispose();
  });

  test('0–255 input: input-stats and initial-loss fail', async () => {
    const model = buildRecipe(clips, 'c3d');
    const diagnosis = await diagnosePlanted(model, clips, 'unscaled', { checks: [...CHEAP, 'overfit-one-batch'] });
    expectStatus(diagnosis, 'fail', ['input-stats', 'initial-loss']);
    expectStatus(diagnosis, 'pass', ['frames-differ', 'label-balance', 'nan-dead-relu', 'overfit-one-batch']);
    assert.match(verdictOf(diagnosis, 'input-stats'), /^Inputs look unnormalised: mean \d+/);
    model.dispose();
  });

  test('learning rate ×100: the learning-rate check fails', async () => {
    const model = buildRecipe(clips, 'c3d');
    const diagnosis = await diagnosePlanted(model, clips, undefined, {
      checks: [...CHEAP, 'overfit-one-batch', 'learning-rate'],
      learningRate: recipe('c3d').optimizer.learningRate * 100,
    });
    expectStatus(diagnosis, 'fail', ['learning-rate']);
    expectStatus(diagnosis, 'pass', [...CHEAP, 'overfit-one-batch']);
    assert.match(verdictOf(diagnosis, 'learning-rate'), /^Learning rate 0\.1 is too high\./);
    model.dispose();
  });

  test('one frame repeated: frames-differ fails', async () => {
    const model = buildRecipe(clips, 'c3d');
    const diagnosis = await diagnosePlanted(model, clips, 'identical-frames', {
      checks: [...CHEAP, 'overfit-one-batch'],
    });
    expectStatus(diagnosis, 'fail', ['frames-differ']);
    expectStatus(diagnosis, 'pass', [
      'input-stats',
      'label-balance',
      'initial-loss',
      'nan-dead-relu',
      'overfit-one-batch',
    ]);
    model.dispose();
  });

  test('labels off by one: the class names show it, the training checks cannot', async () => {
    const model = buildRecipe(clips, 'c3d');
    const c = clips.classes.length;
    // The data's class list as an off-by-one label map reads it: label l names class l-1.
    const shifted = clips.classes.map((_, l) => clips.classes[(l + c - 1) % c]!);
    const diagnosis = await diagnosePlanted(model, clips, 'labels-off-by-one', {
      checks: [...CHEAP, 'overfit-one-batch', 'label-map'],
      classNames: { trained: clips.classes, data: shifted },
    });
    expectStatus(diagnosis, 'fail', ['label-map']);
    expectStatus(diagnosis, 'pass', [...CHEAP, 'overfit-one-batch']);
    assert.match(verdictOf(diagnosis, 'label-map'), /every data label is the model's class \+ 1 \(mod 8\): off by one/);
    model.dispose();
  });

  test('labels off by one: a model trained on the right labels predicts the class before each label', async () => {
    // A trained model: a copy that memorised 16 clips with their right labels.
    const fresh = buildRecipe(clips, 'c3d');
    const xs = tf.stack(clips.xs.slice(0, 16).map((x) => tf.tensor(x, [...clips.shape])));
    const optimizer = tf.train.adam(1e-3);
    const { copy: trained } = await trainCopy(fresh, xs, clips.labels.slice(0, 16), clips.classes.length, {
      steps: 30,
      optimizer,
      stopBelow: 0.02,
    });
    xs.dispose();
    fresh.dispose();
    optimizer.dispose();
    const diagnosis = await diagnosePlanted(trained, clips, 'labels-off-by-one', {
      checks: ['input-stats', 'frames-differ', 'initial-loss', 'nan-dead-relu', 'label-map'],
      maxSamples: 16,
    });
    expectStatus(diagnosis, 'fail', ['label-map']);
    expectStatus(diagnosis, 'pass', ['input-stats', 'frames-differ', 'nan-dead-relu']);
    // A trained model's loss says nothing about its initialisation.
    expectStatus(diagnosis, 'skip', ['initial-loss']);
    assert.match(verdictOf(diagnosis, 'label-map'), /every data label is the model's class \+ 1 \(mod 8\): off by one/);
    trained.dispose();
  });

  test('no tensor leaks when the second batch has another shape', async () => {
    const model = buildRecipe(clips, 'c3d');
    const [t, h, w] = clips.shape as [number, number, number, number];
    const odd = tf.data.generator(function* () {
      yield tf.tidy(() => ({ xs: tf.zeros([16, t, h, w - 2, 1]), ys: tf.oneHot(tf.zeros([16], 'int32'), 8) }));
    }) as tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>;
    const tensors = tf.memory().numTensors;
    await assert.rejects(diagnose(model, plantedDataset(clips).take(1).concatenate(odd)), /concat|shape/i);
    assert.equal(tf.memory().numTensors, tensors);
    model.dispose();
  });
});
