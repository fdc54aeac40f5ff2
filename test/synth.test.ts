import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { loadDataset } from '../src/lib/data';
import {
  BUNDLED_SYNTH,
  ensureBundledDataset,
  generateSyntheticDataset,
  MOTION_NAMES,
  randomActor,
  randomClipParams,
  renderClip,
  RENDERER_VERSION,
  type SynthManifest,
} from '../src/lib/synth';
import { createRng } from '../src/lib/util/random';
import { probe } from '../src/lib/video';
import { lastJson, runCli, tempDir } from './helpers/fixtures';

const small = { classes: ['move_left', 'rotate_cw', 'grow'], perClass: 6, actors: 3, frames: 8, width: 16, height: 16 };

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isFile()) out[name] = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  }
  return out;
}

test('the same seed gives byte-identical videos and manifest; another seed differs', async () => {
  const a = tempDir();
  const b = tempDir();
  const c = tempDir();
  await generateSyntheticDataset({ out: a, ...small, seed: 7 });
  await generateSyntheticDataset({ out: b, ...small, seed: 7 });
  await generateSyntheticDataset({ out: c, ...small, seed: 8 });
  assert.deepEqual(hashTree(a), hashTree(b));
  assert.notDeepEqual(hashTree(a), hashTree(c));
});

test('clips are real videos, every class has perClass clips, actors never straddle splits', async () => {
  const out = tempDir();
  const manifest = await generateSyntheticDataset({ out, ...small });
  const info = await probe(path.join(out, manifest.items[0]?.path as string));
  assert.equal(info.frames, 8);
  assert.equal(info.width, 16);
  assert.equal(info.codec, 'h264');
  const dataset = loadDataset(out);
  assert.equal(dataset.layout, 'folder');
  assert.deepEqual(dataset.classes, [...small.classes].sort());
  for (const label of small.classes) assert.equal(dataset.items.filter((i) => i.label === label).length, 6);
  const splitOfGroup = new Map<string, string>();
  for (const item of dataset.items) {
    assert.ok(item.split, `${item.path} has a split`);
    assert.equal(splitOfGroup.get(item.group) ?? item.split, item.split, `group ${item.group} straddles splits`);
    splitOfGroup.set(item.group, item.split);
  }
  assert.deepEqual(new Set(splitOfGroup.values()), new Set(['train', 'val', 'test']));
});

test('a single frame does not tell the class: the same actor and params give the same first frame', () => {
  const options = { width: 16, height: 16, frames: 6 };
  const actor = randomActor('a01', createRng(1));
  const params = randomClipParams(options, createRng(2));
  const firsts = MOTION_NAMES.filter((m) => !['grow', 'shrink'].includes(m)).map((m) =>
    Buffer.from(renderClip(m, actor, { ...params, noise: 0 }, options, createRng(3))[0] as Uint8Array).toString('hex'),
  );
  assert.equal(new Set(firsts).size, 1, 'translations and rotations start from the same frame');
  const lasts = MOTION_NAMES.map((m) =>
    Buffer.from(renderClip(m, actor, { ...params, noise: 0 }, options, createRng(3))[5] as Uint8Array).toString('hex'),
  );
  assert.equal(new Set(lasts).size, MOTION_NAMES.length, 'but every class moves differently');
});

test('CLI synth --json and a clear error for an unknown class', () => {
  const out = tempDir();
  const ok = runCli([
    'synth',
    '--out',
    out,
    '--set',
    'shapes',
    '--classes',
    'move_up,shrink',
    '--per-class',
    '3',
    '--frames',
    '4',
    '--size',
    '16x16',
    '--json',
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(lastJson<{ clips: number }>(ok.stdout).clips, 6);
  const bad = runCli(['synth', '--out', out, '--set', 'shapes', '--classes', 'jump']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown synthetic class "jump"; choose from move_left/);
  const size = runCli(['synth', '--out', out, '--set', 'shapes', '--size', '31x32']);
  assert.match(size.stderr, /must be even/);
  // Without --set it renders people: a shapes-era command says what to add.
  const motions = runCli(['synth', '--out', tempDir(), '--classes', 'move_up,shrink', '--per-class', '3']);
  assert.equal(motions.code, 2);
  assert.match(motions.stderr, /--classes move_up,shrink: motions of the shapes set.*add --set shapes/);
  const perClass = runCli(['synth', '--out', tempDir(), '--per-class', '144']);
  assert.equal(perClass.code, 1);
  assert.match(perClass.stderr, /perClass \(144\) must equal actors.*add --set shapes/);
});

test('a bundled dataset made with other settings is regenerated, and only the caches extracted from it are removed', async () => {
  const parent = tempDir();
  const dataset = path.join(parent, 'synth');
  fs.mkdirSync(dataset);
  // What an older actlab left: a manifest of another renderer, a cache made from it, and an unrelated cache.
  const dropped = 'rotate_cw/a01_rotate_cw_t1.mp4';
  fs.mkdirSync(path.join(dataset, 'rotate_cw'));
  fs.writeFileSync(path.join(dataset, dropped), 'an old clip');
  fs.writeFileSync(path.join(dataset, 'notes.txt'), 'not ours');
  fs.writeFileSync(
    path.join(dataset, 'manifest.json'),
    JSON.stringify({
      format: 'actlab-synth',
      renderer: RENDERER_VERSION - 1,
      options: BUNDLED_SYNTH,
      items: [{ path: dropped, label: 'rotate_cw', group: 'a01', split: 'train' }],
    }),
  );
  const stale = path.join(parent, 'cache-16x32x32-gray');
  const other = path.join(parent, 'cache-8x32x32-gray');
  for (const [dir, root] of [
    [stale, dataset],
    [other, path.join(parent, 'elsewhere')],
  ] as const) {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'cache.json'), JSON.stringify({ dataset: { root } }));
  }
  assert.equal(await ensureBundledDataset(dataset), dataset);
  const manifest = JSON.parse(fs.readFileSync(path.join(dataset, 'manifest.json'), 'utf8')) as SynthManifest;
  assert.equal(manifest.renderer, RENDERER_VERSION);
  assert.deepEqual(manifest.options, BUNDLED_SYNTH);
  assert.equal(manifest.items.length, BUNDLED_SYNTH.classes.length * BUNDLED_SYNTH.perClass);
  assert.ok(!fs.existsSync(path.join(dataset, 'rotate_cw')), 'the clips of a dropped class are gone, and their folder');
  assert.ok(fs.existsSync(path.join(dataset, 'notes.txt')), 'a file actlab did not write stays');
  assert.deepEqual(loadDataset(dataset).classes, [...BUNDLED_SYNTH.classes].sort());
  assert.ok(!fs.existsSync(stale), 'the cache of the replaced videos is gone');
  assert.ok(fs.existsSync(path.join(other, 'cache.json')), 'a cache of another dataset stays');
  // A second call finds the current manifest and renders nothing.
  const before = fs.statSync(path.join(dataset, 'manifest.json')).mtimeMs;
  await ensureBundledDataset(dataset);
  assert.equal(fs.statSync(path.join(dataset, 'manifest.json')).mtimeMs, before);
});
