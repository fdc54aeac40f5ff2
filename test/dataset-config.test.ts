/**
 * The one dataset setting (`ACTLAB_DATASET` → `recipes.tutorialDataset()`):
 * the file's checks, the validation split carved from training groups, the
 * UCF101-layout copy of the bundled clips, and chapters 03 → 07 running
 * unchanged on that copy through real Jupyter.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { loadDataset, type Split, type VideoItem, withValidationSplit } from '../src/lib/data';
import { runNotebooks } from '../src/lib/jupyter';
import { shapesDataset, tutorialDataset } from '../src/lib/recipes';
import {
  bundledCacheDir,
  bundledDatasetDir,
  ensureBundledDataset,
  peopleCacheDir,
  peopleDatasetDir,
  writeUcf101Tree,
} from '../src/lib/synth';
import { ROOT } from './helpers/cli';
import { tempDir } from './helpers/fixtures';
import { joined, readCells } from './helpers/notebooks';

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = path.join(dir, 'dataset.json');
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('recipes.tutorialDataset', () => {
  it('defaults to the bundled people set at 16×64×64 RGB, with the run names unchanged', () => {
    const data = tutorialDataset('');
    assert.equal(data.bundled, true);
    assert.equal(data.name, 'people');
    assert.equal(data.videos, peopleDatasetDir());
    assert.equal(data.cacheDir, peopleCacheDir());
    assert.deepEqual(data.clip, {
      frames: 16,
      width: 64,
      height: 64,
      pixelFormat: 'rgb24',
      channels: 3,
      label: '16×64×64 RGB',
    });
    assert.equal(data.runName('c3d'), 'c3d');
    assert.equal(data.epochs(7), 7);
    assert.match(data.describe(), /^dataset: the bundled people set; clips 16×64×64 RGB/);
  });

  it('shapesDataset() is the coloured-shapes set at 16×32×32 gray, its runs named shapes-…', () => {
    const data = shapesDataset();
    assert.equal(data.videos, bundledDatasetDir());
    assert.equal(data.cacheDir, bundledCacheDir());
    assert.equal(data.clip.label, '16×32×32 gray');
    assert.equal(data.runName('c3d'), 'shapes-c3d');
  });

  it('"videos": "bundled" and "shapes" name the bundled sets in a file', () => {
    const dir = tempDir();
    const people = tutorialDataset(writeConfig(dir, { name: 'p48', videos: 'bundled', width: 48, height: 48 }));
    assert.equal(people.videos, peopleDatasetDir());
    const shapes = tutorialDataset(writeConfig(dir, { name: 's24', videos: 'shapes', width: 24, height: 24 }));
    assert.equal(shapes.videos, bundledDatasetDir());
    assert.equal(shapes.runName('c3d'), 's24-c3d');
  });

  it('reads a file: paths relative to it, its own cache and run names, epochs capped', () => {
    const dir = tempDir();
    const file = writeConfig(dir, { name: 'mini', videos: 'videos', width: 48, height: 40, gray: false, maxEpochs: 2 });
    const data = tutorialDataset(file);
    assert.equal(data.videos, path.join(dir, 'videos'));
    assert.equal(path.basename(data.cacheDir), 'cache-mini-16x40x48-rgb');
    assert.equal(data.clip.pixelFormat, 'rgb24');
    assert.equal(data.runName('c3d'), 'mini-c3d');
    assert.deepEqual([data.epochs(7), data.epochs(1)], [2, 1]);
    assert.match(data.describe(), /"mini" from .*dataset\.json; clips 16×40×48 RGB .*capped at 2 epoch/);
  });

  it('ACTLAB_QUICK=1 caps training at one epoch', () => {
    const saved = process.env.ACTLAB_QUICK;
    process.env.ACTLAB_QUICK = '1';
    try {
      assert.equal(tutorialDataset('').epochs(7), 1);
    } finally {
      if (saved === undefined) delete process.env.ACTLAB_QUICK;
      else process.env.ACTLAB_QUICK = saved;
    }
  });

  it('a bad file is an error naming the file and the key', () => {
    const dir = tempDir();
    assert.throws(
      () => tutorialDataset(writeConfig(dir, { name: 'a b', videos: 'x' })),
      /dataset\.json: "name" must be/,
    );
    assert.throws(() => tutorialDataset(writeConfig(dir, { name: 'a', videos: 'x', frame: 8 })), /unknown key "frame"/);
    assert.throws(
      () => tutorialDataset(writeConfig(dir, { name: 'a', videos: 'x', frames: 2.5 })),
      /dataset\.json: "frames" must be a whole number >= 1, got 2\.5/,
    );
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ name: ');
    assert.throws(
      () => tutorialDataset(path.join(dir, 'broken.json')),
      /broken\.json \(ACTLAB_DATASET\): cannot read it as JSON/,
    );
  });

  it('a missing videos folder says where to download to', async () => {
    const file = writeConfig(tempDir(), { name: 'gone', videos: 'nowhere' });
    await assert.rejects(
      tutorialDataset(file).ensureVideos(),
      /nowhere not found \(the "videos" of .*dataset\.json\); download/,
    );
  });
});

describe('a validation split from the training groups', () => {
  const item = (group: string, split?: Split): VideoItem => ({
    path: `/d/${group}-${split}.mp4`,
    label: 'a',
    group,
    split,
    kind: 'video',
  });

  it('moves whole training groups to val, leaves test and split-less items alone', () => {
    const items = [...Array.from({ length: 20 }, (_, g) => item(`g${g}`, 'train')), item('t1', 'test'), item('loose')];
    const carved = withValidationSplit(items, { fraction: 0.25 });
    const val = carved.filter((i) => i.split === 'val').map((i) => i.group);
    assert.equal(val.length, 5);
    assert.deepEqual(
      carved.filter((i) => i.split !== 'val').map((i) => i.split),
      [...Array(15).fill('train'), 'test', undefined],
    );
    assert.deepEqual(withValidationSplit(items, { fraction: 0.25 }), carved, 'seeded: the same every time');
    assert.deepEqual(withValidationSplit(carved), carved, 'a dataset with val items is unchanged');
  });
});

describe('the bundled clips in UCF101 layout', () => {
  it('reads back as ucf101 with the official-list rules: groups on one side', async () => {
    const source = await ensureBundledDataset();
    const tree = writeUcf101Tree({
      source,
      out: path.join(tempDir(), 'ucf'),
      classes: ['move_left', 'grow'],
      groups: 10,
    });
    assert.deepEqual(tree.classes, ['MoveLeft', 'Grow']);
    assert.equal(tree.trainClips + tree.testClips, 20);
    const dataset = loadDataset(tree.root);
    assert.equal(dataset.layout, 'ucf101');
    assert.deepEqual(dataset.warnings, []);
    assert.match(path.basename(dataset.items[0]!.path), /^v_(MoveLeft|Grow)_g\d\d_c01\.mp4$/);
    // Written again over its own tree: allowed; over someone else's folder: refused.
    writeUcf101Tree({ source, out: tree.root, classes: ['grow'], groups: 2 });
    const foreign = tempDir();
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    assert.throws(
      () => writeUcf101Tree({ source, out: foreign }),
      /is not empty and was not written by writeUcf101Tree/,
    );
    assert.equal(fs.readFileSync(path.join(foreign, 'notes.txt'), 'utf8'), 'mine');
  });

  it('chapters 03 to 09 run unchanged on it when ACTLAB_DATASET points there, and speak of its data', async () => {
    const dir = tempDir();
    const tree = writeUcf101Tree({
      source: await ensureBundledDataset(),
      out: path.join(dir, 'ucf'),
      classes: ['move_left', 'move_right', 'move_up', 'grow'],
      groups: 16,
    });
    const file = writeConfig(dir, { name: 'ucf-tiny', videos: 'ucf', layout: 'ucf101', cache: 'cache', maxEpochs: 1 });
    const out = path.join(ROOT, 'out', 'test-dataset-config');
    fs.rmSync(out, { recursive: true, force: true });
    const results = await runNotebooks({
      notebooksDir: path.join(ROOT, 'notebooks'),
      outDir: out,
      runsDir: path.join(dir, 'runs'),
      only: ['03', '04', '05', '06', '07', '08', '09'],
      env: { ...process.env, ACTLAB_DATASET: file },
    });
    assert.deepEqual(
      results.map((r) => r.notebook.slice(0, 2)),
      ['03', '04', '05', '06', '07', '08', '09'],
    );
    const text = (nb: string) =>
      readCells(path.join(out, nb))
        .flatMap((c) => c.outputs ?? [])
        .map(
          (o) =>
            joined(o.text) +
            Object.values(o.data ?? {})
              .map(joined)
              .join(''),
        )
        .join('\n');
    for (const nb of fs.readdirSync(out).filter((f) => f.endsWith('.ipynb'))) {
      assert.match(text(nb), /dataset: "ucf-tiny" from/, `${nb} ran on the configured dataset`);
      assert.doesNotMatch(text(nb), /^\w*Error: /m, `${nb} printed an error`);
    }
    assert.match(text('03_data.ipynb'), /64 videos, 4 classes, layout "ucf101"/);
    assert.match(text('03_data.ipynb'), /Grow, MoveLeft, MoveRight, MoveUp/);
    assert.match(text('07_c3d.ipynb'), /after 1 epochs/);
    // The numbers the chapters state are this dataset's: 4 classes, 16 frames of 32×32 gray.
    for (const nb of ['06_cnn2d.ipynb', '07_c3d.ipynb', '08_resnext3d.ipynb', '09_evaluation.ipynb']) {
      assert.match(text(nb), /clips 16×32×32 gray/, `${nb} names the clip size it ran on`);
      assert.match(text(nb), /chance: +25\.0% \(1 of 4 classes\)/, `${nb} states chance for 4 classes`);
      assert.doesNotMatch(text(nb), /1 of 8 classes|chance: +12\.5%/, `${nb} states no fact of the bundled set`);
    }
    assert.match(text('07_c3d.ipynb'), /clips \[T,H,W,C\] = \[16,32,32,1\]/);
    assert.match(
      text('09_evaluation.ipynb'),
      /ucf-tiny has no swapped split: this section needs the bundled people set/,
    );
    for (const nb of ['06_cnn2d.ipynb', '07_c3d.ipynb', '08_resnext3d.ipynb', '09_evaluation.ipynb']) {
      assert.deepEqual(unqualifiedBundledFacts(readCells(path.join(out, nb))), [], `${nb}: prose that is false here`);
    }
    assert.ok(
      fs.existsSync(path.join(dir, 'runs', 'ucf-tiny-c3d', 'model', 'model.json')),
      'the run is named for the dataset',
    );
    assert.ok(fs.existsSync(path.join(dir, 'cache')), "the dataset's own cache");
    assert.equal(tree.classes.length, 4);
  });
});

/**
 * Sentences of a chapter's markdown that state a fact of the bundled people set (8 classes, chance
 * 1 in 8, 16 frames of 64×64 RGB) without saying it is the bundled set's (or a paper's, a write-up's).
 */
function unqualifiedBundledFacts(cells: ReturnType<typeof readCells>): string[] {
  const fact = /\b1 in 8\b|12\.5%|\b(8|eight) (classes|actions)\b|\[B, 16, 64, 64, 3\]|64×64|\b16 (RGB )?frames\b/;
  const qualified = /bundled|write-up|paper|Kinetics|UCF101|seed 001|ResNeXt-101|stills/i;
  return cells
    .filter((cell) => cell.cell_type === 'markdown')
    .flatMap((cell) => joined(cell.source).split(/(?<=[.;])\s+|\n/))
    .filter((sentence) => fact.test(sentence) && !qualified.test(sentence));
}
