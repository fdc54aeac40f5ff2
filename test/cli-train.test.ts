import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';

import { type CliRun, ROOT, runCli } from './helpers/cli';
import { lastJson, tempDir } from './helpers/fixtures';

/** What `actlab train --json` prints last. */
interface TrainJson {
  run: string;
  epochs: number;
  best_val_top1: number;
  test_top1: number;
  samples_per_s: number;
  backend: string;
}

/** What `actlab eval --json` prints. */
interface EvalJson {
  top1: number;
  top1_ci: [number, number];
  top5: number;
  video_top1: number;
  per_class: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: number[][];
  classes: string[];
  n: number;
}

/** Every line a command printed on stderr starting with `actlab: ` (its error). */
function errorLine(run: CliRun): string {
  return run.stderr
    .split('\n')
    .filter((line) => line.startsWith('actlab: ') && !line.startsWith('actlab: TensorFlow.js backend'))
    .join('\n');
}

const MODELS = 'cnn2d, c3d, resnext3d, r2plus1d';

// The smallest clips every recipe builder takes (C3D's 5 stages need T >= 16 and 32x32), 4 classes
// with their mirror classes (the recipes' flip augmentation swaps them), 4 clips each, split 2/1/1 per class.
describe('actlab train, eval and doctor', () => {
  const root = tempDir('actlab-cli-train-');
  const dataset = path.join(root, 'synth');
  const cache = path.join(root, 'cache');
  const cache8 = path.join(root, 'cache8');
  const run = path.join(root, 'run');
  let trained: TrainJson | undefined;

  before(() => {
    const synth = runCli([
      'synth',
      '--out',
      dataset,
      '--set',
      'shapes',
      '--classes',
      'move_left,move_right,grow,shrink',
      '--per-class',
      '4',
      '--actors',
      '3',
      '--frames',
      '16',
      '--size',
      '32x32',
      '--json',
    ]);
    assert.equal(synth.status, 0, synth.stderr);
    for (const [out, frames] of [
      [cache, '16'],
      [cache8, '8'],
    ] as const) {
      const extract = runCli(['extract', dataset, '--out', out, '--frames', frames, '--size', '32x32', '--gray']);
      assert.equal(extract.status, 0, extract.stderr);
    }
  });

  it('train --json trains, saves the model and run.json, and prints one JSON line on stdout', () => {
    const first = runCli(['train', '--model', 'c3d', '--data', cache, '--out', run, '--epochs', '1', '--json']);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout.trim().split('\n').length, 1, 'stdout holds only the JSON line');
    const result = lastJson<TrainJson>(first.stdout);
    trained = result;
    assert.deepEqual(Object.keys(result).sort(), [
      'backend',
      'best_val_top1',
      'epochs',
      'run',
      'samples_per_s',
      'test_top1',
    ]);
    assert.equal(result.run, path.resolve(run));
    assert.equal(result.epochs, 1);
    for (const key of ['best_val_top1', 'test_top1'] as const) {
      assert.ok(result[key] >= 0 && result[key] <= 1, `${key} ${result[key]}`);
    }
    assert.ok(result.samples_per_s > 0);
    assert.equal(typeof result.backend, 'string');
    assert.match(first.stderr, /^epoch 1\/1: loss /m, 'per-epoch lines go to stderr');
    assert.ok(fs.existsSync(path.join(run, 'model', 'model.json')));
    const { backend: trainedOn, ...record } = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as {
      backend: string;
    };
    // The backend and the kernel packs on it, e.g. "wasm (conv-im2col, onednn)".
    assert.match(trainedOn, new RegExp(`^${result.backend}( \\(.+\\))?$`));
    assert.deepEqual(record, {
      model: 'c3d',
      data: path.resolve(cache),
      frames: 16,
      width: 32,
      height: 32,
      pixelFormat: 'gray',
      seed: 1,
      epochs: 1,
      batchSize: 16,
      learningRate: 0.001,
      modelWidth: 1,
      // This cache has no person masks, so the default augmentation has no scene paste.
      augment: 'default',
      scenePaste: 0,
    });

    // The same command again finds the finished run's checkpoint and trains no more.
    const again = runCli(['train', '--model', 'c3d', '--data', cache, '--out', run, '--epochs', '1', '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /^epoch 1\/1:/m);
    assert.equal(lastJson<TrainJson>(again.stdout).epochs, 1);
  });

  it('eval --json reports top-1 inside its interval, per class and a confusion matrix of n samples', () => {
    assert.ok(trained, 'the train test ran first');
    const evaluated = runCli(['eval', run, '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.equal(evaluated.stdout.trim().split('\n').length, 1);
    const report = lastJson<EvalJson>(evaluated.stdout);
    assert.deepEqual(Object.keys(report).sort(), [
      'classes',
      'confusion',
      'n',
      'per_class',
      'top1',
      'top1_ci',
      'top5',
      'video_top1',
    ]);
    assert.deepEqual(report.classes, ['grow', 'move_left', 'move_right', 'shrink']);
    assert.equal(report.n, 4, 'one test clip per class');
    const [lo, hi] = report.top1_ci;
    assert.ok(lo <= report.top1 && report.top1 <= hi, `${report.top1} in [${lo}, ${hi}]`);
    assert.ok(lo > 0 || report.top1 === 0, 'a Wilson interval, not a point');
    assert.ok(report.top5 >= report.top1);
    assert.equal(report.video_top1, report.top1, 'each clip is one video');
    assert.equal(report.top1, trained.test_top1, 'eval repeats the test of train');
    assert.deepEqual(Object.keys(report.per_class), report.classes);
    for (const metrics of Object.values(report.per_class)) {
      assert.deepEqual(Object.keys(metrics).sort(), ['f1', 'precision', 'recall', 'support']);
    }
    assert.equal(
      report.confusion.flat().reduce((a, b) => a + b, 0),
      report.n,
    );
    assert.equal(report.confusion.length, report.classes.length);
  });

  it('eval of a cache with other clips names both shapes and the extract flags, exit 2', () => {
    const evaluated = runCli(['eval', run, '--data', cache8, '--json']);
    assert.equal(evaluated.status, 2);
    assert.equal(evaluated.stdout, '');
    assert.equal(
      errorLine(evaluated),
      `actlab: eval: ${cache8} has 8x32x32 gray clips but the run was trained on 16x32x32 gray; ` +
        'extract it with --frames 16 --size 32x32 --gray',
    );
  });

  it('train --resume with other settings names the difference and --fresh, exit 1, and keeps the run', () => {
    const resumed = runCli([
      'train',
      '--model',
      'c3d',
      '--data',
      cache,
      '--out',
      run,
      '--epochs',
      '1',
      '--seed',
      '2',
      '--resume',
      '--json',
    ]);
    assert.equal(resumed.status, 1, resumed.stderr);
    assert.equal(resumed.stdout, '');
    assert.match(errorLine(resumed), /^actlab: train: cannot resume .*seed.*--fresh/);
    assert.ok(fs.existsSync(path.join(run, 'checkpoints')));
  });

  it('train into a folder another live process trains into is refused and touches nothing; a dead holder is taken over', async () => {
    const out = path.join(root, 'two-writers');
    fs.mkdirSync(out);
    const lock = path.join(out, '.train.lock');
    // Another process holding the run folder, as a second actlab train would while it trains.
    const script = `require(${JSON.stringify(path.join(ROOT, 'dist', 'lib', 'train'))}).lockRunFolder(${JSON.stringify(out)}); setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 60_000;
      while (!fs.existsSync(lock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(fs.existsSync(lock), 'the holder took the lock');
      const refused = runCli(['train', '--model', 'c3d', '--data', cache, '--out', out, '--epochs', '1', '--fresh']);
      assert.equal(refused.status, 1, refused.stderr);
      assert.equal(
        errorLine(refused),
        `actlab: train: ${out} is being trained into by another process (pid ${holder.pid} on ${os.hostname()}, ` +
          `since ${JSON.parse(fs.readFileSync(lock, 'utf8')).since}); nothing was touched: wait for it to finish, ` +
          `choose another --out, or if it is no longer running delete ${lock}`,
      );
      assert.deepEqual(fs.readdirSync(out), ['.train.lock'], 'nothing written beside the lock');
    } finally {
      holder.kill('SIGKILL');
      await new Promise((r) => holder.once('exit', r));
    }
    // The holder died without releasing: its lock is stale and the next run takes it over.
    assert.ok(fs.existsSync(lock));
    const trained = runCli(['train', '--model', 'c3d', '--data', cache, '--out', out, '--epochs', '1']);
    assert.equal(trained.status, 0, trained.stderr);
    assert.equal(fs.existsSync(lock), false, 'released after training');
  });

  it('a frame model (cnn2d) reports its frame top-1 and the clip-averaged video top-1', () => {
    const frameRun = path.join(root, 'run-cnn2d');
    const frameTrained = runCli([
      'train',
      '--model',
      'cnn2d',
      '--data',
      cache,
      '--out',
      frameRun,
      '--epochs',
      '1',
      '--json',
    ]);
    assert.equal(frameTrained.status, 0, frameTrained.stderr);
    const evaluated = runCli(['eval', frameRun, '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const report = lastJson<EvalJson>(evaluated.stdout);
    assert.equal(report.top1, lastJson<TrainJson>(frameTrained.stdout).test_top1, 'eval repeats the test of train');
    assert.equal(report.n, 4, 'one middle frame per test clip');
    assert.ok(report.video_top1 >= 0 && report.video_top1 <= 1);
  });

  it('bad input is one line naming the value and the fix, exit 2', () => {
    const noCache = path.join(root, 'missing');
    const cases: Array<{ args: string[]; message: string }> = [
      {
        args: ['train', '--model', 'c4d', '--data', cache, '--out', run],
        message: `actlab: train: unknown model "c4d"; choose one of ${MODELS}`,
      },
      {
        args: ['train', '--data', cache, '--out', run],
        message: `actlab: train: --model is required; choose one of ${MODELS}`,
      },
      {
        args: ['train', '--model', 'c3d', '--out', run],
        message:
          'actlab: train: --data CACHE is required: a frame cache made with "actlab extract DATASET --out CACHE"',
      },
      {
        args: ['train', '--model', 'c3d', '--data', cache],
        message: 'actlab: train: --out RUN is required: the folder for checkpoints and the model',
      },
      {
        args: ['train', '--model', 'c3d', '--data', noCache, '--out', run],
        message: `actlab: train: ${noCache} does not exist: make one with "actlab extract DATASET --out ${noCache}"`,
      },
      {
        args: ['train', '--model', 'c3d', '--data', dataset, '--out', run],
        message:
          `actlab: train: ${dataset} is not a frame cache (no cache.json): ` +
          `make one with "actlab extract DATASET --out ${dataset}"`,
      },
      {
        args: ['train', '--model', 'c3d', '--data', cache, '--out', run, '--epochs', '0'],
        message: 'actlab: --epochs must be a whole number >= 1, got "0"',
      },
      {
        args: ['train', '--model', 'c3d', '--data', cache, '--out', run, '--epochs', 'abc'],
        message: 'actlab: --epochs must be a whole number >= 1, got "abc"',
      },
      {
        args: ['train', '--model', 'c3d', '--data', cache, '--out', run, '--seed=-1'],
        message: 'actlab: --seed must be a whole number >= 1, got "-1"',
      },
      {
        args: ['train', '--model', 'c3d', '--data', cache, '--out', run, '--resume', '--fresh'],
        message:
          'actlab: train: --resume and --fresh contradict each other; pass one, or neither to resume only a matching run',
      },
      {
        args: ['eval', noCache],
        message:
          `actlab: eval: ${noCache} has no trained model (no model/model.json): ` +
          `run "actlab train --model MODEL --data CACHE --out ${noCache}" first`,
      },
      {
        args: ['eval', run, '--split', 'dev'],
        message: 'actlab: eval: --split must be one of train, val, test, swapped, got "dev"',
      },
      {
        args: ['doctor', '--model', 'c4d', '--data', cache],
        message: `actlab: doctor: unknown model "c4d"; choose one of ${MODELS}`,
      },
    ];
    for (const { args, message } of cases) {
      const failed = runCli(args);
      assert.equal(failed.status, 2, `${args.join(' ')}: ${failed.stderr}`);
      assert.equal(failed.stderr, `${message}\n`, args.join(' '));
    }
    // parseArgs itself refuses a value that looks like a flag; the message names the flag.
    const negative = runCli(['train', '--model', 'c3d', '--data', cache, '--out', run, '--seed', '-1']);
    assert.equal(negative.status, 2);
    assert.match(negative.stderr, /^actlab: train: Option '--seed' argument is ambiguous/);
  });

  it('train refuses clips too small for the model, naming them, exit 2', () => {
    const small = runCli(['train', '--model', 'c3d', '--data', cache8, '--out', path.join(root, 'run8')]);
    assert.equal(small.status, 2, small.stderr);
    assert.match(
      errorLine(small),
      new RegExp(
        `^actlab: train: model c3d cannot take the 8x32x32 gray clips of ${cache8}: c3d: inputShape .* too small`,
      ),
    );
  });

  it('doctor --json gives every check an id, a status and a verdict; the exit code says whether one failed', () => {
    const checked = runCli(['doctor', '--model', 'c3d', '--data', cache, '--overfit-steps', '10', '--json']);
    assert.ok(checked.status === 0 || checked.status === 1, checked.stderr);
    const diagnosis = lastJson<{ ok: boolean; checks: Array<{ id: string; status: string; verdict: string }> }>(
      checked.stdout,
    );
    assert.deepEqual(
      diagnosis.checks.map((c) => c.id),
      [
        'input-stats',
        'frames-differ',
        'label-balance',
        'initial-loss',
        'nan-dead-relu',
        'overfit-one-batch',
        'label-shuffle-control',
      ],
    );
    for (const check of diagnosis.checks) {
      assert.deepEqual(Object.keys(check), ['id', 'status', 'verdict']);
      assert.ok(['pass', 'warn', 'fail', 'skip'].includes(check.status), check.status);
      assert.ok(check.verdict.length > 0);
    }
    assert.equal(diagnosis.ok, !diagnosis.checks.some((c) => c.status === 'fail'));
    assert.equal(checked.status, diagnosis.ok ? 0 : 1);
  });
});
