/**
 * train(): loss falls on a learnable task, tensors stay flat across epochs,
 * checkpoints restore exact weights, and a run killed mid-training resumes
 * from the right epoch.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { c3d, cnn2d } from '../src/lib/models';
import { liveFigure } from '../src/lib/plot/live';
import {
  balancedClassWeights,
  type EpochRecord,
  fileIO,
  latestCheckpoint,
  NonFiniteTrainingError,
  restoreWeights,
  stepDecay,
  timeDecay,
  train,
  type TrainOptions,
  tutorialRunDir,
} from '../src/lib/train';
import { nextPlateauLr } from '../src/lib/train/schedule';
import { createClipPipeline } from '../src/lib/pipeline';
import { writeClipCache } from './helpers/pipeline-cache';
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
        name: 'ShapeMismatchError',
        message:
          'train: model "cnn2d" and batches xs [8,4,8,8,1] disagree: model expects frames [H,W,C]=[8,8,1] ' +
          "but the pipeline gives clips [T,H,W,C]=[4,8,8,1]: use layout 'frame' or 'frames' for a 2D CNN, " +
          'or build a 3D CNN with inputShape [4,8,8,1]',
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

/** Options of the resume tests: a tiny quiet run in `runDir` that logs into `lines`. */
function resumeRun(runDir: string, lines: string[], extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    epochs: 2,
    runDir,
    optimizer: { name: 'adam', learningRate: 3e-3 },
    progress: false,
    log: (line) => lines.push(line),
    ...extra,
  };
}

const data16 = () => syntheticDataset({ count: 16, seed: 3 });
const epochLines = (lines: readonly string[]) =>
  lines.filter((l) => /^epoch \d+\/\d+: /.test(l)).map((l) => l.split(':')[0]);

describe('train: resume only a matching run', () => {
  test('auto continues a matching run to a larger epochs target; checkpoint folders count epochs from 1', async () => {
    const runDir = join(scratch, 'auto-continue');
    const lines: string[] = [];
    const first = await train(tinyC3d(1), data16(), resumeRun(runDir, lines));
    assert.equal(first.history.length, 2);
    assert.deepEqual(readdirSync(join(runDir, 'checkpoints')).sort(), ['epoch-0001', 'epoch-0002', 'latest.json']);
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'checkpoints', 'latest.json'), 'utf8')), {
      epochsDone: 2,
      dir: 'epoch-0002',
    });

    lines.length = 0;
    const epochs: number[] = [];
    const model = tinyC3d(7); // another init: the checkpoint overwrites it
    const more = await train(
      model,
      data16(),
      resumeRun(runDir, lines, { epochs: 4, onEpochEnd: (r) => void epochs.push(r.epoch) }),
    );
    assert.equal(more.startEpoch, 2);
    assert.deepEqual(epochs, [2, 3]);
    // The earlier epochs come from the checkpoint (JSON: no undefined fields).
    assert.deepEqual(more.history.slice(0, 2), JSON.parse(JSON.stringify(first.history)));
    assert.equal(
      lines[0],
      `resuming ${runDir} after epoch 2 of 4 (checkpoint ${join(runDir, 'checkpoints', 'epoch-0002')})`,
    );
    assert.deepEqual(epochLines(lines), ['epoch 3/4', 'epoch 4/4']);
    assert.deepEqual(readdirSync(join(runDir, 'checkpoints')).sort(), ['epoch-0003', 'epoch-0004', 'latest.json']);

    // The same target again: nothing to train, the finished run comes back.
    lines.length = 0;
    const again = await train(model, data16(), resumeRun(runDir, lines, { epochs: 4 }));
    assert.equal(again.startEpoch, 4);
    assert.deepEqual(again.history, JSON.parse(JSON.stringify(more.history)));
    assert.deepEqual(lines, [
      `${runDir}: already trained 4 epochs with these settings; returning its history (resume: false trains again)`,
    ]);

    // Fewer epochs than done: auto cannot give a 3-epoch run from a 4-epoch checkpoint, so it starts fresh.
    lines.length = 0;
    const fewer = await train(model, data16(), resumeRun(runDir, lines, { epochs: 3 }));
    assert.equal(fewer.startEpoch, 0);
    assert.equal(
      lines[0],
      `${runDir}: the checkpoint has 4 epochs done, this run asks for 3; starting fresh (another runDir keeps the old run)`,
    );
    assert.deepEqual(epochLines(lines), ['epoch 1/3', 'epoch 2/3', 'epoch 3/3']);
    assert.deepEqual(readdirSync(join(runDir, 'checkpoints')).sort(), ['epoch-0002', 'epoch-0003', 'latest.json']);
    model.dispose();
  });

  test('auto starts fresh, in one line, when the learning rate or the model width differs', async () => {
    const runDir = join(scratch, 'auto-fresh');
    const lines: string[] = [];
    await train(tinyC3d(1), data16(), resumeRun(runDir, lines));
    lines.length = 0;
    const slower = await train(
      tinyC3d(1),
      data16(),
      resumeRun(runDir, lines, { optimizer: { name: 'adam', learningRate: 1e-3 } }),
    );
    assert.equal(slower.startEpoch, 0);
    assert.equal(slower.history.length, 2);
    assert.deepEqual(lines.slice(0, 1), [
      `${runDir}: the checkpoint was made with optimizer learningRate 0.003, this run has 0.001; starting fresh (another runDir keeps the old run)`,
    ]);
    assert.deepEqual(epochLines(lines.slice(1)), ['epoch 1/2', 'epoch 2/2']);
    assert.equal(lines.length, 3, lines.join('\n'));

    lines.length = 0;
    const wider = c3d({ inputShape: [4, 8, 8, 1], numClasses: 4, width: 0.04, stages: 2, dropout: 0, seed: 1 });
    const result = await train(
      wider,
      data16(),
      resumeRun(runDir, lines, { optimizer: { name: 'adam', learningRate: 1e-3 } }),
    );
    assert.equal(result.startEpoch, 0);
    assert.equal(
      lines[0],
      `${runDir}: the checkpoint was made with model layer conv2a (Conv3D) filters 4, this run has 5; starting fresh (another runDir keeps the old run)`,
    );
    assert.deepEqual(epochLines(lines), ['epoch 1/2', 'epoch 2/2']);
    wider.dispose();
  });

  test('resume: true throws naming the difference and keeps the old run; false starts fresh', async () => {
    const runDir = join(scratch, 'resume-true');
    const lines: string[] = [];
    await train(tinyC3d(1), data16(), resumeRun(runDir, lines));
    const model = tinyC3d(1);
    await assert.rejects(train(model, data16(), resumeRun(runDir, lines, { optimizer: 'sgd', resume: true })), {
      message:
        `train: cannot resume ${runDir}: the checkpoint was made with optimizer name adam, this run has sgd; ` +
        'train with the settings it was made with, or pass resume: false to start fresh',
    });
    await assert.rejects(train(model, data16(), resumeRun(runDir, lines, { seed: 5, resume: true })), {
      message: new RegExp(`^train: cannot resume .*: the checkpoint was made with seed none, this run has 5; `),
    });
    assert.equal(latestCheckpoint(runDir)!.state.epoch, 1, 'the old run is still there');

    lines.length = 0;
    const fresh = await train(model, data16(), resumeRun(runDir, lines, { optimizer: 'sgd', resume: false }));
    assert.equal(fresh.startEpoch, 0);
    assert.equal(lines[0], `resume: false, so the old checkpoints in ${runDir} were deleted`);
    assert.deepEqual(epochLines(lines), ['epoch 1/2', 'epoch 2/2']);
    assert.equal(latestCheckpoint(runDir)!.state.fingerprint!.optimizer.name, 'sgd');
    model.dispose();
  });

  test('a checkpoint of an older actlab (0-based folder, no configuration) still loads but is not resumed', async () => {
    const runDir = join(scratch, 'old-format');
    const lines: string[] = [];
    const model = tinyC3d(1);
    await train(model, data16(), resumeRun(runDir, lines));
    // Rewrite it as the old format: folder named after the 0-based epoch, no fingerprint in state.json.
    const root = join(runDir, 'checkpoints');
    rmSync(join(root, 'epoch-0001'), { recursive: true });
    renameSync(join(root, 'epoch-0002'), join(root, 'epoch-0001'));
    const stateFile = join(root, 'epoch-0001', 'state.json');
    const { fingerprint: _dropped, stoppedEarly: _also, ...old } = JSON.parse(readFileSync(stateFile, 'utf8'));
    writeFileSync(stateFile, JSON.stringify(old));
    writeFileSync(join(root, 'latest.json'), JSON.stringify({ epoch: 1, dir: 'epoch-0001' }));
    const checkpoint = latestCheckpoint(runDir)!;
    assert.equal(checkpoint.state.epoch, 1);
    await restoreWeights(tinyC3d(2), checkpoint.dir);

    await assert.rejects(train(model, data16(), resumeRun(runDir, lines, { resume: true })), {
      message: new RegExp(`^train: cannot resume .*: the checkpoint was made with no record of its configuration`),
    });
    lines.length = 0;
    const result = await train(model, data16(), resumeRun(runDir, lines));
    assert.equal(result.startEpoch, 0);
    assert.equal(
      lines[0],
      `${runDir}: the checkpoint has no record of its configuration (an older actlab wrote it); starting fresh (another runDir keeps the old run)`,
    );
    model.dispose();
  });

  test('a resumed run trains on the batches an uninterrupted run would have (same final weights)', async () => {
    const cache = writeClipCache(join(scratch, 'resume-cache'), {
      clips: 24,
      shape: [4, 8, 8, 1],
      classes: ['grow', 'shrink', 'move_up', 'move_down'],
      clip: (i) => Uint8Array.from({ length: 4 * 8 * 8 }, (_, k) => (i * 37 + k * ((i % 4) + 1)) % 256),
      split: () => 'train',
    });
    const options = (runDir: string, epochs: number): TrainOptions => ({
      epochs,
      runDir,
      optimizer: { name: 'adam', learningRate: 3e-3 },
      progress: false,
      log: null,
    });
    const weightsAfter = async (stops: readonly number[]): Promise<Float32Array[]> => {
      const runDir = join(scratch, `resume-batches-${stops.join('-')}`);
      let model: tf.LayersModel | undefined;
      for (const [i, epochs] of stops.entries()) {
        model?.dispose();
        model = tinyC3d(i === 0 ? 1 : 9); // a resumed run's checkpoint overwrites the init
        const pipe = createClipPipeline(cache, { batchSize: 4, seed: 3, workers: 0 });
        await train(model, pipe.toTfDataset(), options(runDir, epochs));
        await pipe.close();
      }
      const weights = model!.getWeights().map((w) => w.dataSync() as Float32Array);
      model!.dispose();
      return weights;
    };
    const uninterrupted = await weightsAfter([4]);
    assert.deepEqual(await weightsAfter([2, 4]), uninterrupted);
  });

  test('a runDir holding files no run wrote is refused, and nothing there is touched', async () => {
    const runDir = join(scratch, 'not-a-run');
    mkdirSync(join(runDir, 'clips'), { recursive: true });
    writeFileSync(join(runDir, 'notes.txt'), 'mine');
    const model = tinyC3d(1);
    await assert.rejects(train(model, data16(), resumeRun(runDir, [])), {
      message: `train: ${runDir} already holds files a training run did not write (e.g. clips); nothing there was touched: choose a new or empty folder for the run`,
    });
    assert.deepEqual(readdirSync(runDir).sort(), ['clips', 'notes.txt']);
    model.dispose();
  });

  test('checkpointing every epoch leaks no tensors', async () => {
    const records: EpochRecord[] = [];
    const model = tinyC3d(1);
    await train(model, syntheticDataset({ count: 8, seed: 1 }), {
      epochs: 8,
      runDir: join(scratch, 'leak'),
      progress: false,
      log: null,
      onEpochEnd: (r) => void records.push(r),
    });
    assert.equal(records.length, 8);
    // Epoch 1 allocates the optimizer's moments; from epoch 2 on the count stays put.
    assert.equal(records[7]!.numTensors, records[1]!.numTensors, records.map((r) => r.numTensors).join(' '));
    model.dispose();
  });
});

describe('train: a damaged checkpoint is named, and the intact one before it is used', () => {
  test('a torn state.json of the newest checkpoint falls back to the epoch before; stale temp files go', async () => {
    const runDir = join(scratch, 'torn-checkpoint');
    const lines: string[] = [];
    await train(tinyC3d(5), data16(), resumeRun(runDir, lines, { epochs: 3 }));
    const newest = join(runDir, 'checkpoints', 'epoch-0003');
    writeFileSync(join(newest, 'state.json'), '{"epoch": 2, "iter');
    const stale = join(runDir, 'checkpoints', 'epoch-0002', 'optimizer.bin.tmp-999999');
    writeFileSync(stale, 'half a file');
    lines.length = 0;
    const more = await train(tinyC3d(5), data16(), resumeRun(runDir, lines, { epochs: 4 }));
    const logged = lines.join('\n').split('\n');
    assert.match(
      logged[0]!,
      new RegExp(
        `^checkpoint ${newest.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is damaged \\(.*state\\.json: Unterminated string in JSON at position 18.*\\); using the one before it$`,
      ),
    );
    assert.match(logged[1]!, /^resuming .* after epoch 2 of 4 \(checkpoint .*epoch-0002\)$/);
    assert.equal(more.startEpoch, 2);
    assert.deepEqual(
      more.history.map((h) => h.epoch),
      [0, 1, 2, 3],
    );
    assert.equal(existsSync(stale), false, "the killed writer's temp file is gone");
  });

  test('no intact checkpoint is an error naming each file; resume: false still starts over', async () => {
    const runDir = join(scratch, 'all-damaged');
    await train(tinyC3d(6), data16(), resumeRun(runDir, [], { epochs: 2 }));
    const weights = join(runDir, 'checkpoints', 'epoch-0002', 'weights.bin');
    writeFileSync(weights, readFileSync(weights).subarray(0, 10));
    writeFileSync(join(runDir, 'checkpoints', 'epoch-0001', 'optimizer.json'), '');
    await assert.rejects(train(tinyC3d(6), data16(), resumeRun(runDir, [], { epochs: 3 })), (error: Error) => {
      assert.match(error.message, /^train: no intact checkpoint in .*checkpoints: /);
      assert.ok(error.message.includes(`${weights}: 10 bytes, its manifest says`), error.message);
      assert.match(error.message, /epoch-0001\/optimizer\.json: Unexpected end of JSON input/);
      assert.match(error.message, /start the run over \(resume: false, or --fresh\)/);
      return true;
    });
    const fresh = await train(tinyC3d(6), data16(), resumeRun(runDir, [], { epochs: 1, resume: false }));
    assert.equal(fresh.history.length, 1);
  });
});

describe('train: a number that is not a number is never a result', () => {
  test('weights gone NaN under an absurd rate stop training at that batch, naming it and the fix', async () => {
    const model = tinyC3d(3);
    const result = train(model, data16(), {
      epochs: 3,
      optimizer: { name: 'sgd', learningRate: 1e30 },
      progress: false,
      log: null,
    });
    await assert.rejects(result, (error: unknown) => {
      assert.ok(error instanceof NonFiniteTrainingError, String(error));
      assert.equal(error.epoch, 0);
      assert.match(error.message, /^train: stopped at epoch 1, batch \d+: the (loss|weights) became/);
      assert.match(error.message, /lower it \(10× is a good first step\).*actlab doctor --model M --data CACHE/);
      assert.match(error.message, /No epoch had finished, so nothing was saved\.$/);
      return true;
    });
    model.dispose();
  });

  test('a run that goes NaN in epoch 2 keeps epoch 1: its checkpoint, and a history of finite epochs only', async () => {
    const runDir = join(scratch, 'goes-nan');
    const model = tinyC3d(4);
    // A sane rate for epoch 1, an absurd one from epoch 2 on.
    const schedule = ({ epoch, baseLr }: { epoch: number; baseLr: number }) => (epoch === 0 ? baseLr : 1e30);
    await assert.rejects(
      train(model, data16(), {
        epochs: 3,
        runDir,
        optimizer: { name: 'sgd', learningRate: 0.01 },
        schedule,
        progress: false,
        log: null,
      }),
      (error: unknown) => {
        assert.ok(error instanceof NonFiniteTrainingError, String(error));
        assert.equal(error.epoch, 1);
        assert.ok(
          error.message.includes(`The checkpoint of epoch 1 in ${runDir} is kept; nothing of epoch 2 was saved.`),
        );
        return true;
      },
    );
    assert.deepEqual(readdirSync(join(runDir, 'checkpoints')).sort(), ['epoch-0001', 'latest.json']);
    const history = JSON.parse(readFileSync(join(runDir, 'history.json'), 'utf8')) as { epochs: EpochRecord[] };
    assert.deepEqual(
      history.epochs.map((e) => e.epoch),
      [0],
    );
    assert.ok(Number.isFinite(history.epochs[0]!.loss));
    // The kept checkpoint holds finite weights.
    const restored = tinyC3d(9);
    const checkpoint = latestCheckpoint(runDir);
    assert.ok(checkpoint, 'a checkpoint to resume from');
    await restoreWeights(restored, checkpoint.dir);
    for (const w of restored.getWeights()) assert.ok(w.dataSync().every(Number.isFinite), `weights [${w.shape}]`);
    model.dispose();
    restored.dispose();
  });
});

describe('train: progress and live chart in a notebook', () => {
  type Message = { data: Record<string, unknown> };
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
  const shown: Message[] = [];
  before(() => {
    jupyter.lastWriteDisplayData = (message: Message) => void shown.push(message);
  });
  after(() => {
    jupyter.lastWriteDisplayData = null;
  });

  test('the bar counts batches until the epoch size is known; a resumed chart shows the earlier epochs', async () => {
    const runDir = join(scratch, 'notebook');
    await train(tinyC3d(1), data16(), { ...resumeRun(runDir, []), progress: true });
    const bars = shown.map((m) => String(m.data['text/plain'])).filter((t) => t.startsWith('train c3d'));
    assert.match(bars[0]!, /^train c3d 1 batches [\d.]+s epoch 1\/2 loss \d/);
    assert.ok(
      bars.every((t) => !/^train c3d [12]\/[12] /.test(t)),
      `no "2/2 100%" during epoch 1: ${bars.join(' | ')}`,
    );
    assert.match(bars.at(-1)!, /^train c3d 4\/4 100% /);

    shown.length = 0;
    await train(tinyC3d(1), data16(), { ...resumeRun(runDir, []), epochs: 3, progress: true });
    const charts = shown.flatMap((m) => {
      const plotly = m.data['application/vnd.plotly.v1+json'] as
        | { data: Array<{ name: string; x: number[]; y: Array<number | null> }>; layout: { margin: { r: number } } }
        | undefined;
      return plotly ? [plotly] : [];
    });
    const loss = (i: number) => charts[i]!.data.find((t) => t.name === 'loss')!;
    // Drawn before training on with the two epochs done, then with epoch 3 added.
    assert.deepEqual(loss(0).x, [1, 2]);
    assert.ok(
      loss(0).y.every((v) => typeof v === 'number'),
      JSON.stringify(loss(0).y),
    );
    assert.deepEqual(loss(charts.length - 1).x, [1, 2, 3]);
    assert.ok(
      loss(charts.length - 1).y.every((v) => typeof v === 'number'),
      JSON.stringify(loss(1).y),
    );
    assert.ok(charts[0]!.layout.margin.r >= 70, 'room for the accuracy axis');
    const resumedBars = shown.map((m) => String(m.data['text/plain'])).filter((t) => t.startsWith('train c3d'));
    assert.match(resumedBars[0]!, /^train c3d 1\/2 50% .* epoch 3\/3 /, 'the resumed run knows its epoch size');
  });

  test('the live figure numbers epochs from 1 and thins ticks on long runs', () => {
    const figure = liveFigure({ loss: Array.from({ length: 45 }, (_, i) => 1 / (i + 1)) });
    assert.deepEqual(figure.layout.xaxis?.range, [0.5, 45.5]);
    assert.equal(figure.layout.xaxis?.tick0, 1);
    assert.equal(figure.layout.xaxis?.dtick, 3);
  });
});

describe('tutorialRunDir', () => {
  test('follows ACTLAB_RUNS_DIR, else <package>/out/runs', () => {
    const saved = process.env.ACTLAB_RUNS_DIR;
    try {
      process.env.ACTLAB_RUNS_DIR = join(scratch, 'runs-here');
      assert.equal(tutorialRunDir('c3d'), join(scratch, 'runs-here', 'c3d'));
      delete process.env.ACTLAB_RUNS_DIR;
      assert.equal(tutorialRunDir('c3d'), resolve(__dirname, '..', '..', '..', 'out', 'runs', 'c3d'));
    } finally {
      if (saved === undefined) delete process.env.ACTLAB_RUNS_DIR;
      else process.env.ACTLAB_RUNS_DIR = saved;
    }
  });
});
