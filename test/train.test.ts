/**
 * train(): loss falls on a learnable task, tensors stay flat across epochs,
 * checkpoints restore exact weights, and a run killed mid-training resumes
 * from the right epoch.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { c3d, cnn2d } from '../src/lib/models';
import {
  balancedClassWeights,
  fileIO,
  latestCheckpoint,
  restoreWeights,
  stepDecay,
  timeDecay,
  train,
} from '../src/lib/train';
import { nextPlateauLr } from '../src/lib/train/schedule';
import { syntheticDataset } from './helpers/train-data';

const scratch = mkdtempSync(join(tmpdir(), 'actlab-train-'));
const tinyC3d = (seed = 1) =>
  c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.02, stages: 2, dropout: 0, seed });

before(async () => {
  await initBackend({ backend: 'cpu', log: null });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('train', () => {
  test('loss decreases on a tiny learnable task and tensors stay flat across epochs', async () => {
    const model = tinyC3d();
    const result = await train(model, syntheticDataset({ count: 32, seed: 1 }), {
      epochs: 5,
      validationData: syntheticDataset({ count: 16, seed: 2 }),
      optimizer: { name: 'adam', learningRate: 3e-3 },
      progress: false,
      log: null,
    });
    const h = result.history;
    assert.equal(h.length, 5);
    assert.ok(h[4]!.loss < h[0]!.loss * 0.7, `loss ${h.map((r) => r.loss.toFixed(3)).join(' → ')}`);
    assert.ok(h[4]!.val_acc! > 0.5, `val_acc ${h[4]!.val_acc}`);
    assert.ok(h.every((r) => r.samplesPerSecond > 0 && r.seconds > 0));
    // Epoch 1 allocates the optimizer's moments; afterwards nothing may accumulate.
    assert.deepEqual(
      h.slice(2).map((r) => r.numTensors),
      h.slice(2).map(() => h[1]!.numTensors),
    );
    model.dispose();
  });

  test('sparse labels, SGD preset with time decay, class weights', async () => {
    const model = tinyC3d(2);
    const result = await train(model, syntheticDataset({ count: 16, seed: 1, sparse: true }), {
      epochs: 2,
      optimizer: 'sgd',
      classWeight: balancedClassWeights([4, 4, 4, 4]),
      progress: false,
      log: null,
    });
    // 2 batches per epoch: after 4 steps lr = 0.1 / (1 + 0.001·3) for the last step.
    assert.ok(Math.abs(result.history[1]!.lr - 0.1 / 1.003) < 1e-9, `lr ${result.history[1]!.lr}`);
    assert.ok(Number.isFinite(result.history[1]!.loss));
    // A per-epoch schedule sees the epoch index (halved every epoch here), also with a runDir.
    const stepped = await train(model, syntheticDataset({ count: 8, seed: 1 }), {
      epochs: 2,
      optimizer: { name: 'adam', learningRate: 1e-3 },
      schedule: stepDecay(1, 0.5),
      runDir: join(scratch, 'step'),
      progress: false,
      log: null,
    });
    assert.deepEqual(
      stepped.history.map((r) => r.lr),
      [1e-3, 5e-4],
    );
    assert.deepEqual(balancedClassWeights([10, 30, 0]), { 0: 2, 1: 2 / 3, 2: 0 });
    assert.equal(timeDecay(0.001)({ epoch: 0, iteration: 1000, baseLr: 0.1 }), 0.05);
    assert.equal(nextPlateauLr(1e-4, { ladder: [5e-5, 1e-5] }), 5e-5);
    assert.equal(nextPlateauLr(5e-5, { ladder: [5e-5, 1e-5] }), 1e-5);
    assert.equal(nextPlateauLr(1e-5, { ladder: [5e-5, 1e-5] }), 1e-5);
    model.dispose();
  });

  test('a mismatched input shape is reported before training', async () => {
    const model = cnn2d({ inputShape: [8, 8, 1], numClasses: 4, depth: 1, width: 2 });
    await assert.rejects(
      train(model, syntheticDataset({ count: 8, seed: 1 }), { epochs: 1, progress: false, log: null }),
      {
        message:
          'train: batches have xs [8,4,8,8,1] but model "cnn2d" expects [B,8,8,1]; build the model with inputShape [4,8,8,1] or resize the data',
      },
    );
    model.dispose();
  });

  test('a checkpoint restores exactly the trained weights; fileIO round-trips a model', async () => {
    const runDir = join(scratch, 'restore');
    const model = tinyC3d(3);
    await train(model, syntheticDataset({ count: 16, seed: 1 }), { epochs: 2, runDir, progress: false, log: null });
    const probe = tf.randomNormal([2, 4, 8, 8, 1], 0, 1, 'float32', 7);
    const expected = (model.predict(probe) as tf.Tensor).arraySync();
    const fresh = tinyC3d(4);
    const checkpoint = latestCheckpoint(runDir)!;
    assert.equal(checkpoint.state.epoch, 1);
    await restoreWeights(fresh, checkpoint.dir);
    assert.deepEqual((fresh.predict(probe) as tf.Tensor).arraySync(), expected);
    const loaded = await tf.loadLayersModel(fileIO(checkpoint.dir));
    assert.deepEqual((loaded.predict(probe) as tf.Tensor).arraySync(), expected);
    const history = JSON.parse(readFileSync(join(runDir, 'history.json'), 'utf8'));
    assert.equal(history.epochs.length, 2);
    // resume: false starts over and drops the old checkpoints.
    const lines: string[] = [];
    const again = await train(model, syntheticDataset({ count: 16, seed: 1 }), {
      epochs: 1,
      runDir,
      resume: false,
      progress: false,
      log: (line) => lines.push(line),
    });
    assert.equal(again.startEpoch, 0);
    assert.equal(latestCheckpoint(runDir)!.state.epoch, 0);
    assert.match(
      lines.at(-1)!,
      /^epoch 1\/1: loss \d+\.\d{4} {2}acc \d\.\d{4} \| [\d.]+s, [\d.]+ samples\/s, lr 1\.0e-4$/,
    );
    probe.dispose();
    model.dispose();
    fresh.dispose();
    loaded.dispose();
  });

  test('a run killed after epoch 2 resumes at epoch 3', async () => {
    const runDir = join(scratch, 'killed');
    const helper = resolve(__dirname, 'helpers', 'train-data.js');
    const script = `require(${JSON.stringify(helper)}).trainChild(${JSON.stringify(runDir)}, 4, 1)`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('epoch 1\n')) done();
      });
      child.on('exit', (code) => fail(new Error(`child exited (${code}) before epoch 1: ${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((done) => child.on('exit', done));
    assert.equal(latestCheckpoint(runDir)!.state.epoch, 1);

    const model = tinyC3d(99); // different init: the checkpoint must overwrite it
    const epochs: number[] = [];
    const result = await train(model, syntheticDataset({ count: 16, seed: 3 }), {
      epochs: 4,
      runDir,
      optimizer: { name: 'adam', learningRate: 3e-3 },
      progress: false,
      log: null,
      onEpochEnd: (r) => void epochs.push(r.epoch),
    });
    assert.equal(result.startEpoch, 2);
    assert.deepEqual(epochs, [2, 3]);
    assert.deepEqual(
      result.history.map((r) => r.epoch),
      [0, 1, 2, 3],
    );
    // 2 batches per epoch, 4 epochs: the optimizer step count carried over.
    assert.equal(latestCheckpoint(runDir)!.state.iteration, 8);
    // Training continued from the checkpoint, not from scratch: loss keeps falling.
    assert.ok(result.history[2]!.loss < result.history[0]!.loss, result.history.map((r) => r.loss).join(' '));
    model.dispose();
  });
});
