import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { loadDataset } from '../src/lib/data';
import { itemsDataFrame, sampleFrameGrid, scanDataset, summarise } from '../src/lib/eda';
import { generateSyntheticDataset } from '../src/lib/synth';
import { lastJson, runCli, tempDir } from './helpers/fixtures';

interface EdaJson {
  items: Array<{
    path: string;
    label: string;
    group: string;
    split: string | null;
    frames: number | null;
    fps: number | null;
    width: number | null;
    height: number | null;
    duration_s: number | null;
    codec: string | null;
    error: string | null;
  }>;
  classes: Record<string, number>;
}

async function fixture(): Promise<string> {
  const root = tempDir();
  await generateSyntheticDataset({
    out: root,
    classes: ['move_right', 'shrink'],
    perClass: 3,
    actors: 3,
    frames: 6,
    width: 16,
    height: 16,
  });
  fs.writeFileSync(path.join(root, 'shrink', 'broken clip.mp4'), 'not a video');
  fs.writeFileSync(path.join(root, 'shrink', 'zero.mp4'), '');
  fs.copyFileSync(path.join(root, 'move_right', 'a01_move_right_t1.mp4'), path.join(root, 'move_right', 'copy.mp4'));
  return root;
}

test('eda --json: items with probe fields, unreadable listed with error, class counts last', async () => {
  const root = await fixture();
  const run = runCli(['eda', root, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const out = lastJson<EdaJson>(run.stdout);
  assert.deepEqual(out.classes, { move_right: 4, shrink: 5 });
  assert.equal(out.items.length, 9);
  const good = out.items.find((i) => i.path.endsWith('a01_move_right_t1.mp4'));
  assert.deepEqual(
    { ...good, path: undefined },
    {
      path: undefined,
      label: 'move_right',
      group: 'a01',
      split: good?.split,
      frames: 6,
      fps: 8,
      width: 16,
      height: 16,
      duration_s: 0.75,
      codec: 'h264',
      error: null,
    },
  );
  const broken = out.items.find((i) => i.path.endsWith('broken clip.mp4'));
  assert.match(broken?.error ?? '', /broken clip.mp4: ffprobe cannot read it .*re-encode or remove it/);
  assert.equal(broken?.frames, null);
  assert.match(out.items.find((i) => i.path.endsWith('zero.mp4'))?.error ?? '', /file is empty \(0 bytes\)/);
});

test('summaries, duplicates by content, DataFrame and sample grid', async () => {
  const root = await fixture();
  const dataset = loadDataset(root);
  const rows = await scanDataset(dataset);
  const summary = summarise(rows);
  assert.equal(summary.imbalanceRatio, 5 / 4);
  assert.equal(summary.unreadable.length, 2);
  assert.deepEqual(
    summary.duplicates.map((d) => d.map((p) => path.basename(p)).sort()),
    [['a01_move_right_t1.mp4', 'copy.mp4']],
  );
  assert.deepEqual(summary.frames, { min: 6, median: 6, mean: 6, max: 6 });
  const df = itemsDataFrame(rows);
  assert.deepEqual(df.shape, [9, 12]);
  const grid = path.join(tempDir(), 'grid.png');
  assert.deepEqual(await sampleFrameGrid(dataset, grid, { perClass: 2, tile: 16, gap: 1 }), { width: 35, height: 35 });
  assert.ok(fs.statSync(grid).size > 100);
});
