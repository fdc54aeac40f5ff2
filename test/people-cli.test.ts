/**
 * The people set through the commands a student types: synth, extract (with
 * masks and scenes), train with and without the scene paste, eval on the
 * swapped split, and the doctor on a trained run — each with its --json keys.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { computeChannelStats, createClipPipeline } from '../src/lib/pipeline';
import { diagnoseTrainedRun, recipe, recordRun, trainRun } from '../src/lib/recipes';
import { fileIO, train } from '../src/lib/train';
import { runCli } from './helpers/cli';
import { lastJson, tempDir } from './helpers/fixtures';

describe('the people set through the CLI', () => {
  const root = tempDir('actlab-people-cli-');
  const dataset = path.join(root, 'people');
  const cache = path.join(root, 'cache');

  before(() => {
    // The smallest set C3D takes: 7 actors (4/1/1/1), 16 frames of 32×32.
    const synth = runCli(['synth', '--out', dataset, '--actors', '7', '--size', '32x32', '--json']);
    assert.equal(synth.status, 0, synth.stderr);
    const extract = runCli(['extract', dataset, '--out', cache, '--frames', '16', '--size', '32x32', '--json']);
    assert.equal(extract.status, 0, extract.stderr);
  });

  it('extract keeps the swapped split and writes the masks and empty scenes beside the clips', () => {
    for (const folder of ['masks', 'scenes']) {
      assert.ok(fs.existsSync(path.join(cache, folder, 'index.json')), `${folder}/ is a complete cache`);
    }
    const index = JSON.parse(fs.readFileSync(path.join(cache, 'index.json'), 'utf8')) as { clips: number };
    assert.equal(index.clips, 56);
  });

  it('train (scene paste by default, plain without), eval --split swapped and doctor RUN', () => {
    const runs: Record<string, { run: string; test_top1: number; swapped_top1: number }> = {};
    for (const augment of ['default', 'plain']) {
      const out = path.join(root, `run-${augment}`);
      const args = ['train', '--model', 'c3d', '--data', cache, '--out', out, '--epochs', '1', '--augment', augment];
      const train = runCli([...args, '--json']);
      assert.equal(train.status, 0, train.stderr);
      runs[augment] = lastJson(train.stdout);
      assert.ok(runs[augment].swapped_top1 >= 0 && runs[augment].swapped_top1 <= 1);
      const record = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8')) as {
        augment: string;
        scenePaste: number;
      };
      assert.deepEqual(record.augment, augment);
      assert.equal(record.scenePaste, augment === 'default' ? 0.8 : 0);
    }
    // The augmentation is a setting: resuming the plain run with the paste is refused, naming it.
    const refused = runCli([
      'train',
      '--model',
      'c3d',
      '--data',
      cache,
      '--out',
      path.join(root, 'run-plain'),
      '--epochs',
      '2',
      '--resume',
    ]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /augmentation/);

    const evaluated = runCli(['eval', path.join(root, 'run-default'), '--split', 'swapped', '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const report = lastJson<{ top1: number; top1_ci: number[]; n: number; classes: string[]; confusion: number[][] }>(
      evaluated.stdout,
    );
    assert.equal(report.n, 8);
    assert.equal(report.top1, runs.default!.swapped_top1);
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

    const doctor = runCli(['doctor', path.join(root, 'run-default'), '--split', 'swapped', '--json']);
    assert.ok(doctor.status === 0 || doctor.status === 1, doctor.stderr);
    const checks = lastJson<{ ok: boolean; checks: Array<{ id: string; status: string }> }>(doctor.stdout);
    assert.deepEqual(
      checks.checks.map((c) => c.id),
      ['order', 'one-frame', 'background'],
    );
    assert.ok(!/no person masks/.test(doctor.stdout), 'the cache has masks, so the person is hidden, not the centre');
  });

  it("train --from fine-tunes a run's model under a new head, --freeze trains the head alone; a resume keeps the start", async () => {
    const source = path.join(root, 'run-frames');
    const first = runCli(['train', '--model', 'cnn2d', '--data', cache, '--out', source, '--epochs', '1', '--json']);
    assert.equal(first.status, 0, first.stderr);
    const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    const firstConv = async (run: string) => {
      const model = await tf.loadLayersModel(fileIO(path.join(run, 'model')));
      const kernel = model.getLayer('block1_conv').getWeights()[0]!.dataSync().slice();
      model.dispose();
      return kernel;
    };
    for (const freeze of [false, true]) {
      const out = path.join(root, freeze ? 'run-frozen' : 'run-tuned');
      const args = ['train', '--model', 'cnn2d', '--data', cache, '--out', out, '--epochs', '1', '--from', source];
      const tuned = runCli([...args, ...(freeze ? ['--freeze'] : []), '--json']);
      assert.equal(tuned.status, 0, tuned.stderr);
      const record = readJson<{ from: string; freeze: boolean }>(path.join(out, 'run.json'));
      assert.deepEqual([record.from, record.freeze], [source, freeze]);
      // The clips are normalised as the started model was trained.
      const norm = (run: string) => readJson<{ normalization: unknown }>(path.join(run, 'history.json')).normalization;
      assert.deepEqual(norm(out), norm(source));
      const [before, after] = [await firstConv(source), await firstConv(out)];
      if (freeze) assert.deepEqual(after, before, 'a frozen backbone keeps its weights');
      else assert.notDeepEqual(after, before, 'fine-tuning moves the backbone');
    }
    // Where the weights started is a setting: resuming from another run is refused, naming it.
    const other = runCli([
      ...['train', '--model', 'cnn2d', '--data', cache, '--out', path.join(root, 'run-tuned')],
      ...['--epochs', '2', '--from', path.join(root, 'run-frozen'), '--resume'],
    ]);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /starting weights/);
    const lonelyFreeze = runCli([
      'train',
      '--model',
      'cnn2d',
      '--data',
      cache,
      '--out',
      path.join(root, 'y'),
      '--freeze',
    ]);
    assert.equal(lonelyFreeze.status, 2);
    assert.match(lonelyFreeze.stderr, /--freeze needs --from RUN/);
  });

  it('a chapter run (train.train, then recipes.recordRun) is checked by eval and doctor; a planted marker is recorded and planted again', async () => {
    await initBackend({ log: null });
    const run = path.join(root, 'run-chapter');
    const frames = createClipPipeline(cache, { split: 'train', layout: 'frame', batchSize: 8, seed: 1 });
    const model = recipe('cnn2d').build({ clipShape: frames.source.shape, numClasses: frames.classes.length, seed: 1 });
    assert.throws(
      () => recordRun(run, { model: 'cnn2d', data: cache, seed: 1, epochs: 1, augment: 'plain' }),
      /run-chapter has no trained model \(no model\/model\.json\): run "actlab train/,
    );
    const stats = await computeChannelStats(cache, { split: 'train' });
    await train(model, frames.toTfDataset(), {
      epochs: 1,
      runDir: run,
      seed: 1,
      labels: frames.classes,
      normalization: stats,
      progress: false,
      log: null,
    });
    await model.save(fileIO(path.join(run, 'model')));
    model.dispose();
    await frames.close();
    const record = recordRun(run, { model: 'cnn2d', data: cache, seed: 1, epochs: 1, augment: 'plain' });
    assert.deepEqual([record.frames, record.width, record.pixelFormat, record.batchSize], [16, 32, 'rgb24', 32]);
    const evaluated = runCli(['eval', run, '--split', 'swapped', '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    assert.ok('top1' in lastJson<Record<string, unknown>>(evaluated.stdout), evaluated.stdout);

    const marked = path.join(root, 'run-marked');
    const trained = await trainRun({
      model: 'cnn2d',
      data: cache,
      out: marked,
      epochs: 1,
      plant: 'class-marker',
      progress: false,
      log: null,
    });
    assert.ok(trained.test && trained.swapped);
    assert.equal(JSON.parse(fs.readFileSync(path.join(marked, 'run.json'), 'utf8')).plant, 'class-marker');
    // The doctor reads a recorded chapter run like one trainRun made.
    const [order] = await diagnoseTrainedRun(run, { checks: ['order'] });
    // One test actor performing the 8 actions, scored intact and with the frames shuffled.
    assert.deepEqual([order!.id, order!.intact.n, order!.altered.n], ['order', 8, 8]);
  });

  it('sharded extracts add the masks once the cache completes; a merged cache without them is refused the scene paste', () => {
    const shared = path.join(root, 'cache-shared');
    for (const shard of ['0/2', '1/2']) {
      const run = runCli(['extract', dataset, '--out', shared, '--frames', '16', '--size', '32x32', '--shard', shard]);
      assert.equal(run.status, 0, run.stderr);
    }
    for (const folder of ['masks', 'scenes']) {
      assert.ok(
        fs.existsSync(path.join(shared, folder, 'index.json')),
        `the job that completed the cache wrote ${folder}/`,
      );
    }
    const parts = ['0/2', '1/2'].map((shard, i) => {
      const part = path.join(root, `cache-part${i}`);
      const run = runCli(['extract', dataset, '--out', part, '--frames', '16', '--size', '32x32', '--shard', shard]);
      assert.equal(run.status, 0, run.stderr);
      return part;
    });
    const merged = path.join(root, 'cache-merged');
    const merge = runCli(['merge', ...parts, '--out', merged]);
    assert.equal(merge.status, 0, merge.stderr);
    const refused = runCli([
      'train',
      '--model',
      'c3d',
      '--data',
      merged,
      '--out',
      path.join(root, 'z'),
      '--epochs',
      '1',
    ]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /ships person masks, but the cache has no complete masks\/ and scenes\//);
    assert.match(refused.stderr, /--augment plain/);
    // Extracting the whole set once more over the merged cache adds them.
    const fill = runCli(['extract', dataset, '--out', merged, '--frames', '16', '--size', '32x32']);
    assert.equal(fill.status, 0, fill.stderr);
    assert.ok(fs.existsSync(path.join(merged, 'masks', 'index.json')));
  });

  it('flag errors name the choices', () => {
    const badAugment = runCli([
      'train',
      '--model',
      'c3d',
      '--data',
      cache,
      '--out',
      path.join(root, 'x'),
      '--augment',
      'lots',
    ]);
    assert.equal(badAugment.status, 2);
    assert.match(badAugment.stderr, /--augment must be default, plain, strong, none/);
    const badSplit = runCli(['eval', path.join(root, 'run-default'), '--split', 'holdout']);
    assert.equal(badSplit.status, 2);
    assert.match(badSplit.stderr, /--split must be one of train, val, test, swapped/);
  });
});
