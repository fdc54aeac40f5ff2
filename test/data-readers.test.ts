import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { DatasetError, loadDataset, registerLayout, splitByGroup, type VideoItem } from '../src/lib/data';
import { makeTestVideo, tempDir } from './helpers/fixtures';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

test('folder layout (HMDB51 style): labels from folders, odd names and bad files reported', () => {
  const root = tempDir();
  makeTestVideo(path.join(root, 'brush hair', 'April 09_brush_hair_u_0.avi'), { frames: 3 });
  makeTestVideo(path.join(root, 'brush hair', 'April 09_brush_hair_u_1.avi'), { frames: 3 });
  makeTestVideo(path.join(root, 'cartwheel', 'Bodo_cartwheel_f_0.mp4'), { frames: 3 });
  write(path.join(root, 'cartwheel', 'readme.txt'), 'not a video');
  fs.mkdirSync(path.join(root, 'empty_class'));
  fs.writeFileSync(Buffer.from(path.join(root, 'cartwheel', 'bad\xff.mp4'), 'latin1'), 'x');
  const dataset = loadDataset(root);
  assert.equal(dataset.layout, 'folder');
  // An empty class folder is not a class: the model would get an output no clip ever trains.
  assert.deepEqual(dataset.classes, ['brush hair', 'cartwheel']);
  assert.equal(dataset.items.length, 3);
  assert.equal(dataset.items[0]?.group, 'April 09_brush_hair_u');
  assert.ok(dataset.warnings.some((w) => w.includes('readme.txt: skipped, extension')));
  assert.ok(
    dataset.warnings.some((w) => w.includes('empty_class: class folder has no video files, so it is not a class')),
  );
  assert.ok(dataset.warnings.some((w) => w.includes('not valid UTF-8')));
});

test('missing folder and a folder with nothing readable give errors naming the folder', () => {
  assert.throws(() => loadDataset('/no/such/dataset'), {
    name: 'DatasetError',
    message: 'dataset folder /no/such/dataset not found; check the path (or run "actlab synth --out /no/such/dataset")',
  });
  const empty = tempDir();
  fs.mkdirSync(path.join(empty, 'a'));
  assert.throws(() => loadDataset(empty), new RegExp(`^DatasetError: ${empty}: cannot tell the dataset layout`));
  assert.throws(
    () => loadDataset(empty, { layout: 'nope' }),
    /unknown dataset layout "nope"; choose from ucf101, kinetics-csv/,
  );
});

function ucfTree(): string {
  const root = tempDir();
  for (const [cls, g, c] of [
    ['ApplyLipstick', '01', '01'],
    ['ApplyLipstick', '08', '01'],
    ['Archery', '01', '02'],
    ['Archery', '08', '01'],
  ] as const) {
    makeTestVideo(path.join(root, cls, `v_${cls}_g${g}_c${c}.avi`), { frames: 3 });
  }
  write(path.join(root, 'ucfTrainTestlist', 'classInd.txt'), '1 ApplyLipstick\n2 Archery\n');
  write(
    path.join(root, 'ucfTrainTestlist', 'trainlist01.txt'),
    'ApplyLipstick/v_ApplyLipstick_g08_c01.avi 1\nArchery/v_Archery_g08_c01.avi 2\n',
  );
  write(
    path.join(root, 'ucfTrainTestlist', 'testlist01.txt'),
    'ApplyLipstick/v_ApplyLipstick_g01_c01.avi\nArchery/v_Archery_g01_c02.avi\n',
  );
  return root;
}

test('UCF101: classInd + official lists, groups on one side', () => {
  const dataset = loadDataset(ucfTree());
  assert.equal(dataset.layout, 'ucf101');
  assert.deepEqual(
    dataset.items.map((i) => [path.basename(i.path), i.label, i.group, i.split]),
    [
      ['v_ApplyLipstick_g01_c01.avi', 'ApplyLipstick', 'g01', 'test'],
      ['v_ApplyLipstick_g08_c01.avi', 'ApplyLipstick', 'g08', 'train'],
      ['v_Archery_g01_c02.avi', 'Archery', 'g01', 'test'],
      ['v_Archery_g08_c01.avi', 'Archery', 'g08', 'train'],
    ],
  );
});

test('UCF101: mismatched split files are an error naming the list file', () => {
  const root = ucfTree();
  const lists = path.join(root, 'ucfTrainTestlist');
  write(
    path.join(lists, 'testlist01.txt'),
    'ApplyLipstick/v_ApplyLipstick_g08_c02.avi\nArchery/v_Archery_g01_c02.avi\n',
  );
  makeTestVideo(path.join(root, 'ApplyLipstick', 'v_ApplyLipstick_g08_c02.avi'), { frames: 2 });
  assert.throws(
    () => loadDataset(root),
    new RegExp(`${lists}: group g08 is in both train and test lists of split 1; the split files are mismatched`),
  );
  write(path.join(lists, 'testlist01.txt'), 'Juggling/v_Juggling_g01_c01.avi\n');
  assert.throws(
    () => loadDataset(root),
    new RegExp(
      `testlist01.txt:1: "Juggling/v_Juggling_g01_c01.avi" is not v_<Class>_gGG_cCC.avi with a class from classInd.txt`,
    ),
  );
});

test('Kinetics CSV: rows point at local files, missing ones reported', () => {
  const root = tempDir();
  makeTestVideo(path.join(root, 'train', 'abseiling', 'abc123_000010_000020.mp4'), { frames: 2 });
  makeTestVideo(path.join(root, 'val', 'juggling balls', 'xyz789_000000_000010.mp4'), { frames: 2 });
  write(
    path.join(root, 'kinetics.csv'),
    'label,youtube_id,time_start,time_end,split\nabseiling,abc123,10,20,train\n"juggling balls",xyz789,0,10,validate\nabseiling,gone00,0,10,train\n',
  );
  const dataset = loadDataset(root);
  assert.equal(dataset.layout, 'kinetics-csv');
  assert.deepEqual(
    dataset.items.map((i) => [i.label, i.group, i.split]),
    [
      ['abseiling', 'abc123', 'train'],
      ['juggling balls', 'xyz789', 'val'],
    ],
  );
  assert.match(
    dataset.warnings[0] as string,
    /kinetics.csv:4: no local file for gone00 \(expected gone00_000000_000010.mp4/,
  );
});

test('image folders and frame-sequence folders (subject/class/sequence)', () => {
  const images = tempDir();
  makeTestVideo(path.join(images, 'cat', 'img_1.png'), { frames: 1, codec: 'png' });
  makeTestVideo(path.join(images, 'dog', 'img_2.png'), { frames: 1, codec: 'png' });
  const imageSet = loadDataset(images);
  assert.equal(imageSet.layout, 'image-folder');
  assert.deepEqual(
    imageSet.items.map((i) => [i.label, i.kind]),
    [
      ['cat', 'image'],
      ['dog', 'image'],
    ],
  );

  const frames = tempDir();
  for (const [subject, cls] of [
    ['alvin', 'wave'],
    ['alvin', 'grab'],
    ['chi', 'wave'],
  ]) {
    for (const n of [1, 2, 10])
      makeTestVideo(path.join(frames, subject as string, cls as string, 'seq1', `${n}.png`), {
        frames: 1,
        codec: 'png',
      });
  }
  const frameSet = loadDataset(frames);
  assert.equal(frameSet.layout, 'frame-folders');
  assert.deepEqual(
    frameSet.items.map((i) => [i.group, i.label, i.kind]),
    [
      ['alvin', 'grab', 'frames'],
      ['alvin', 'wave', 'frames'],
      ['chi', 'wave', 'frames'],
    ],
  );
  assert.deepEqual(
    frameSet.items[0]?.frameFiles?.map((f) => path.basename(f)),
    ['1.png', '2.png', '10.png'],
    'numeric order',
  );
});

test('layout registry refuses a duplicate key', () => {
  assert.throws(
    () =>
      registerLayout({
        name: 'folder',
        description: '',
        detect: () => false,
        read: () => {
          throw new DatasetError('x');
        },
      }),
    /dataset layout "folder" is already registered/,
  );
});

test('splitByGroup: groups never straddle, classes stratified, seeded', () => {
  const items: VideoItem[] = [];
  for (let g = 0; g < 20; g++)
    for (const label of ['a', 'b'])
      for (let k = 0; k < 3; k++) items.push({ path: `/${label}/${g}_${k}`, label, group: `g${g}`, kind: 'video' });
  const split = splitByGroup(items, { seed: 3 });
  assert.deepEqual(splitByGroup(items, { seed: 3 }), split);
  const sides = new Map<string, Set<string>>();
  for (const item of split) sides.set(item.group, (sides.get(item.group) ?? new Set()).add(item.split as string));
  for (const [group, s] of sides) assert.equal(s.size, 1, `${group} straddles`);
  const count = (s: string): number => split.filter((i) => i.split === s).length;
  assert.equal(count('train') + count('val') + count('test'), 120);
  assert.ok(count('train') >= 78 && count('train') <= 90, `train ${count('train')}`);
  assert.ok(count('val') >= 12 && count('test') >= 12);
});
