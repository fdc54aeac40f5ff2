import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { loadDataset, readHmdb51 } from '../src/lib/data';
import { lastJson, makeTestVideo, runCli, tempDir } from './helpers/fixtures';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const BRUSH = 'April_09_brush_hair_u_nm_np1_ba_goo';
const BLONDE = 'Blonde_being_brushed_brush_hair_f_nm_np2_ri_med';
const RAD = '(Rad)Schlag_die_Bank!_cartwheel_f_cm_np1_le_med';
const BODO = 'Bodo_cartwheel_f_cm_np1_ba_bad';

/** HMDB51 as unpacked: class folders of .avi clips and testTrainMulti_7030_splits/ beside them. */
function hmdbTree(): string {
  const root = tempDir();
  for (const [cls, name] of [
    ['brush_hair', `${BRUSH}_0.avi`],
    ['brush_hair', `${BRUSH}_1.avi`],
    ['brush_hair', `${BLONDE}_0.avi`],
    ['cartwheel', `${RAD}_0.avi`],
    ['cartwheel', `${BODO}_0.avi`],
    ['cartwheel', `${BODO}_1.avi`],
  ] as const) {
    makeTestVideo(path.join(root, cls, name), { frames: 2, width: 16, height: 16 });
  }
  const splits = path.join(root, 'testTrainMulti_7030_splits');
  // The official files end each line with a space.
  write(path.join(splits, 'brush_hair_test_split1.txt'), `${BRUSH}_0.avi 1 \n${BRUSH}_1.avi 1 \n${BLONDE}_0.avi 2 \n`);
  write(path.join(splits, 'cartwheel_test_split1.txt'), `${RAD}_0.avi 2 \n${BODO}_0.avi 1 \n${BODO}_1.avi 0 \n`);
  write(path.join(splits, 'brush_hair_test_split2.txt'), `${BRUSH}_0.avi 2 \n${BRUSH}_1.avi 2 \n${BLONDE}_0.avi 1 \n`);
  write(path.join(splits, 'cartwheel_test_split2.txt'), `${RAD}_0.avi 0 \n${BODO}_0.avi 1 \n${BODO}_1.avi 1 \n`);
  return root;
}

function rows(root: string, options?: Parameters<typeof loadDataset>[1]): string[][] {
  return loadDataset(root, options).items.map((i) => [path.basename(i.path), i.label, i.group, i.split ?? '-']);
}

test('HMDB51: detected from testTrainMulti_7030_splits/, 1 = train, 2 = test, 0 left out', () => {
  const root = hmdbTree();
  const dataset = loadDataset(root);
  assert.equal(dataset.layout, 'hmdb51');
  assert.deepEqual(dataset.classes, ['brush_hair', 'cartwheel']);
  assert.deepEqual(dataset.warnings, []);
  assert.deepEqual(rows(root), [
    [`${BRUSH}_0.avi`, 'brush_hair', BRUSH, 'train'],
    [`${BRUSH}_1.avi`, 'brush_hair', BRUSH, 'train'],
    [`${BLONDE}_0.avi`, 'brush_hair', BLONDE, 'test'],
    [`${RAD}_0.avi`, 'cartwheel', RAD, 'test'],
    [`${BODO}_0.avi`, 'cartwheel', BODO, 'train'],
  ]);
  assert.deepEqual(
    rows(root, { split: 2 }).map((r) => [r[0], r[3]]),
    [
      [`${BRUSH}_0.avi`, 'test'],
      [`${BRUSH}_1.avi`, 'test'],
      [`${BLONDE}_0.avi`, 'train'],
      [`${BODO}_0.avi`, 'train'],
      [`${BODO}_1.avi`, 'train'],
    ],
  );
  assert.throws(() => loadDataset(root, { split: 4 }), { message: 'HMDB51 split must be 1, 2 or 3, got 4' });
});

test('HMDB51: a splits folder elsewhere (--split-dir), and the folder layout without one', () => {
  const root = hmdbTree();
  const elsewhere = path.join(tempDir(), 'splits');
  fs.renameSync(path.join(root, 'testTrainMulti_7030_splits'), elsewhere);
  assert.equal(loadDataset(root).layout, 'folder');
  const dataset = loadDataset(root, { splitsDir: elsewhere });
  assert.equal(dataset.layout, 'hmdb51');
  assert.equal(dataset.items.filter((i) => i.split === 'train').length, 3);
  assert.throws(() => loadDataset(root, { layout: 'hmdb51' }), {
    name: 'DatasetError',
    message: `${root}: no testTrainMulti_7030_splits/ folder here; unpack test_train_splits.rar beside the class folders or pass --split-dir DIR`,
  });
  assert.throws(() => readHmdb51(root, { splitsDir: path.join(root, 'nope') }), {
    message: `${path.join(root, 'nope')}: splits folder not found; unpack test_train_splits.rar beside the class folders or pass --split-dir DIR`,
  });
});

test('HMDB51: listed-but-missing and present-but-unlisted videos are reported naming the files', () => {
  const root = hmdbTree();
  const lists = path.join(root, 'testTrainMulti_7030_splits');
  fs.rmSync(path.join(root, 'brush_hair', `${BRUSH}_1.avi`));
  makeTestVideo(path.join(root, 'cartwheel', `${BODO}_2.avi`), { frames: 2, width: 16, height: 16 });
  makeTestVideo(path.join(root, 'clap', 'Clap_clap_u_nm_np1_fr_med_0.avi'), { frames: 2, width: 16, height: 16 });
  const dataset = loadDataset(root);
  assert.deepEqual(dataset.warnings, [
    `${path.join(lists, 'brush_hair_test_split1.txt')}: 1 listed video(s) not found in ${path.join(root, 'brush_hair')}, e.g. ${BRUSH}_1.avi`,
    `${path.join(root, 'cartwheel', `${BODO}_2.avi`)}: not listed in ${path.join(lists, 'cartwheel_test_split1.txt')}; left without a split`,
    `${path.join(root, 'clap')}: no clap_test_split1.txt in ${lists}; its 1 video(s) are left without a split`,
  ]);
  assert.equal(dataset.items.find((i) => i.path.endsWith(`${BODO}_2.avi`))?.split, undefined);
  assert.deepEqual(dataset.classes, ['brush_hair', 'cartwheel', 'clap']);
});

test('HMDB51: clips of one source video on both sides, and malformed lines, are errors naming the list file', () => {
  const root = hmdbTree();
  const list = path.join(root, 'testTrainMulti_7030_splits', 'brush_hair_test_split1.txt');
  write(list, `${BRUSH}_0.avi 1 \n${BRUSH}_1.avi 2 \n${BLONDE}_0.avi 2 \n`);
  assert.throws(() => loadDataset(root), {
    name: 'DatasetError',
    message:
      `${list}: clips of source video ${BRUSH} are in both train (${BRUSH}_0.avi) and test (${BRUSH}_1.avi) of split 1; ` +
      'the split files are mismatched (fix them or use the official ones)',
  });
  write(list, `${BRUSH}_0.avi 1\n${BRUSH}_1.avi train\n`);
  assert.throws(() => loadDataset(root), {
    message: `${list}:2: expected "<video> <0|1|2>", got "${BRUSH}_1.avi train"`,
  });
});

test('HMDB51 from the CLI: eda --split 2 --split-dir, and a bad --split', () => {
  const root = hmdbTree();
  const run = runCli([
    'eda',
    root,
    '--split',
    '2',
    '--split-dir',
    path.join(root, 'testTrainMulti_7030_splits'),
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const out = lastJson<{ layout: string; items: Array<{ split: string }>; classes: Record<string, number> }>(
    run.stdout,
  );
  assert.equal(out.layout, 'hmdb51');
  // Split 2's lists: two test videos and three train ones, one of which is kept for validation
  // (HMDB51 ships no val list; extract carves it from the training groups, and eda shows that split).
  assert.deepEqual(
    out.items.map((i) => i.split),
    ['test', 'test', 'val', 'train', 'train'],
  );
  const splitDir = path.join(root, 'testTrainMulti_7030_splits');
  const official = runCli(['eda', root, '--split', '2', '--split-dir', splitDir, '--val', '0', '--json']);
  assert.deepEqual(
    lastJson<{ items: Array<{ split: string }> }>(official.stdout).items.map((i) => i.split),
    ['test', 'test', 'train', 'train', 'train'],
    '--val 0 keeps the official lists as they are',
  );
  const bad = runCli(['extract', root, '--out', path.join(root, 'cache'), '--split', '4']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--split must be 1, 2 or 3, got "4"/);
});
