/**
 * The people set as `actlab synth --set people` writes it: splits by actor
 * (swapped included), scenes tied to actions by the correlation setting,
 * swapped clips never in their own scene, masks and empty scenes on disk,
 * the same bytes for the same seed, resume, and the CLI's lines.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { loadDataset } from '../src/lib/data';
import {
  ACTION_SCENES,
  generateSyntheticDataset,
  PEOPLE_ACTIONS,
  PEOPLE_RENDERER_VERSION,
  PEOPLE_SYNTH,
  PLATES_PER_SCENE,
  SCENE_NAMES,
  type SynthManifest,
} from '../src/lib/synth';
import { lastJson, runCli, tempDir } from './helpers/fixtures';

/** A small people set: 14 actors (8/2/2/2), 8 frames of 32×32. */
const SMALL = { set: 'people', actors: 14, perClass: 14, frames: 8, width: 32, height: 32 } as const;

function digest(dir: string, relative: string): string {
  return crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(dir, relative)))
    .digest('hex');
}

test('people set: actors split 4:1:1:1 with swapped, scenes follow the correlation, files on disk', async () => {
  const out = tempDir('actlab-people-');
  const manifest = await generateSyntheticDataset({ out, ...SMALL, sceneCorrelation: 1 });
  assert.equal(manifest.items.length, 14 * PEOPLE_ACTIONS.length);
  const actorsOf = new Map<string, Set<string>>();
  for (const item of manifest.items) {
    const set = actorsOf.get(item.split) ?? new Set<string>();
    set.add(item.group);
    actorsOf.set(item.split, set);
  }
  assert.deepEqual(Object.fromEntries([...actorsOf].map(([split, actors]) => [split, actors.size])), {
    train: 8,
    val: 2,
    test: 2,
    swapped: 2,
  });
  const seen = new Set<string>();
  for (const actors of actorsOf.values()) {
    for (const actor of actors) {
      assert.ok(!seen.has(actor), `${actor} is in two splits`);
      seen.add(actor);
    }
  }
  for (const item of manifest.items) {
    const own = ACTION_SCENES[item.label];
    // With correlation 1 every clip of train/val/test is in its own scene; swapped never is.
    if (item.split === 'swapped') assert.notEqual(item.scene, own, item.path);
    else assert.equal(item.scene, own, item.path);
    assert.ok(fs.statSync(path.join(out, item.path)).size > 0);
    assert.ok(fs.statSync(path.join(out, item.mask as string)).size > 0);
  }
  // Swapped visits other actions' scenes, not one of them only.
  const swappedScenes = new Set(manifest.items.filter((i) => i.split === 'swapped').map((i) => i.scene));
  assert.ok(swappedScenes.size >= 6, `swapped uses ${swappedScenes.size} scenes`);
  assert.equal(manifest.scenes?.length, SCENE_NAMES.length * PLATES_PER_SCENE);
  for (const plate of manifest.scenes ?? []) assert.ok(fs.existsSync(path.join(out, plate.path)));
  const dataset = loadDataset(out);
  assert.deepEqual(dataset.classes, [...PEOPLE_ACTIONS].sort());
  assert.deepEqual(dataset.warnings, []);
});

test('people set: correlation 0.5 puts about half the clips elsewhere; same seed, same bytes', async () => {
  const a = tempDir('actlab-people-a-');
  const b = tempDir('actlab-people-b-');
  const options = { ...SMALL, sceneCorrelation: 0.5 };
  const first = await generateSyntheticDataset({ out: a, ...options });
  const second = await generateSyntheticDataset({ out: b, ...options, concurrency: 1 });
  assert.deepEqual(second.items, first.items);
  for (const item of first.items.slice(0, 6)) {
    assert.equal(digest(a, item.path), digest(b, item.path), item.path);
    assert.equal(digest(a, item.mask as string), digest(b, item.mask as string), item.mask);
  }
  const filmed = first.items.filter((item) => item.split !== 'swapped');
  const own = filmed.filter((item) => item.scene === ACTION_SCENES[item.label]).length / filmed.length;
  assert.ok(own > 0.35 && own < 0.65, `share in own scene ${own}`);
  const other = tempDir('actlab-people-c-');
  const reseeded = await generateSyntheticDataset({ out: other, ...options, seed: 5 });
  assert.notEqual(digest(other, reseeded.items[0]!.path), digest(a, first.items[0]!.path));
});

test('people set: a deleted mask is drawn again on resume, identical', async () => {
  const out = tempDir('actlab-people-resume-');
  const manifest = await generateSyntheticDataset({ out, ...SMALL });
  const item = manifest.items[3]!;
  const before = digest(out, item.mask as string);
  fs.rmSync(path.join(out, 'manifest.json'));
  fs.rmSync(path.join(out, item.mask as string));
  fs.writeFileSync(
    path.join(out, '.actlab-synth-pending.json'),
    JSON.stringify({
      format: 'actlab-synth-pending',
      renderer: PEOPLE_RENDERER_VERSION,
      options: { ...PEOPLE_SYNTH, ...SMALL },
      paths: [],
    }),
  );
  await generateSyntheticDataset({ out, ...SMALL });
  assert.equal(digest(out, item.mask as string), before);
});

test('people set: settings the set cannot take are refused with the reason', async () => {
  const out = tempDir('actlab-people-bad-');
  await assert.rejects(generateSyntheticDataset({ out, ...SMALL, sceneCorrelation: 1.5 }), /sceneCorrelation/);
  await assert.rejects(
    generateSyntheticDataset({ out, ...SMALL, classes: ['move_left'] }),
    /unknown action "move_left"/,
  );
  await assert.rejects(generateSyntheticDataset({ out, ...SMALL, perClass: 3 }), /perClass \(3\) must equal actors/);
  await assert.rejects(generateSyntheticDataset({ out, sceneCorrelation: 0.5 }), /setting of the people set/);
  assert.deepEqual(fs.readdirSync(out), []);
});

test('actlab synth renders people by default (--json), and its flag errors', () => {
  const out = tempDir('actlab-people-cli-');
  const run = runCli(['synth', '--out', out, '--actors', '7', '--frames', '4', '--size', '32x32', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const summary = lastJson<{ clips: number; splits: Record<string, number>; classes: string[] }>(run.stdout);
  assert.equal(summary.clips, 7 * PEOPLE_ACTIONS.length);
  assert.deepEqual(summary.splits, { train: 32, val: 8, test: 8, swapped: 8 });
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as SynthManifest;
  assert.equal(manifest.options.sceneCorrelation, PEOPLE_SYNTH.sceneCorrelation);
  const badSet = runCli(['synth', '--out', tempDir(), '--set', 'cats']);
  assert.equal(badSet.code, 2);
  assert.match(badSet.stderr, /--set must be people or shapes/);
  const badShare = runCli(['synth', '--out', tempDir(), '--set', 'people', '--scene-correlation', '2']);
  assert.equal(badShare.code, 2);
  assert.match(badShare.stderr, /--scene-correlation must be a share from 0 to 1/);
  const shapesShare = runCli(['synth', '--out', tempDir(), '--set', 'shapes', '--scene-correlation', '0.5']);
  assert.match(shapesShare.stderr, /needs --set people/);
});
