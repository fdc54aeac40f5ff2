/**
 * The people stills (the frame model's pretraining photos): one folder per
 * action, actors split whole and absent from the video set, scenes tied to
 * actions by the correlation setting, the same bytes for the same seed, kept
 * when complete; and the frame model pretrained on them, saved as a run that
 * `trainRun({ from })` starts from.
 */
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import sharp from 'sharp';

import { initBackend } from '../src/lib/backend';
import { readImageFolder } from '../src/lib/data';
import { pretrainOnStills } from '../src/lib/recipes';
import { ACTION_SCENES, generatePeopleStills, PEOPLE_ACTIONS, PEOPLE_STILLS } from '../src/lib/synth';
import { tempDir } from './helpers/fixtures';

const SMALL = { actors: 6, perActor: 1, size: 32 } as const;

function digests(dir: string, paths: readonly string[]): string[] {
  return paths.map((p) =>
    crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(dir, p)))
      .digest('hex'),
  );
}

test('people stills: an image folder of the actions, split by actor, in their scenes, reproducible', async () => {
  const out = tempDir('actlab-people-stills-');
  const manifest = await generatePeopleStills({ out, ...SMALL, sceneCorrelation: 1 });
  assert.equal(manifest.items.length, 6 * PEOPLE_ACTIONS.length);
  const splitOf = new Map<string, Set<string>>();
  for (const item of manifest.items) {
    assert.equal(item.scene, ACTION_SCENES[item.label], `${item.path} is in its action's own scene`);
    assert.match(item.group, /^s\d\d$/, 'still actors are named apart from the video actors (p01…)');
    splitOf.set(item.group, (splitOf.get(item.group) ?? new Set()).add(item.split));
  }
  assert.ok(
    [...splitOf.values()].every((splits) => splits.size === 1),
    'no actor in two splits',
  );
  assert.deepEqual(new Set(manifest.items.map((i) => i.split)), new Set(['train', 'val', 'test']));

  const images = readImageFolder(out);
  assert.deepEqual(images.classes, [...PEOPLE_ACTIONS].sort());
  assert.equal(images.items.length, manifest.items.length);
  const first = manifest.items[0]!;
  const { info } = await sharp(path.join(out, first.path)).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [32, 32, 3]);

  // Kept when complete; the same settings elsewhere give the same bytes, another seed others.
  const before = fs.statSync(path.join(out, first.path)).mtimeMs;
  await generatePeopleStills({ out, ...SMALL, sceneCorrelation: 1 });
  assert.equal(fs.statSync(path.join(out, first.path)).mtimeMs, before);
  // Drawn by an older figure renderer: the set is drawn again.
  const manifestFile = path.join(out, 'manifest.json');
  const written = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { renderer: string };
  assert.match(written.renderer, /^people-\d+\.\d+$/);
  fs.writeFileSync(manifestFile, JSON.stringify({ ...written, renderer: 'people-0.1' }));
  await generatePeopleStills({ out, ...SMALL, sceneCorrelation: 1 });
  assert.notEqual(fs.statSync(path.join(out, first.path)).mtimeMs, before, 'redrawn');
  assert.equal((JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { renderer: string }).renderer, written.renderer);
  const paths = manifest.items.map((i) => i.path);
  const again = tempDir('actlab-people-stills-');
  await generatePeopleStills({ out: again, ...SMALL, sceneCorrelation: 1 });
  assert.deepEqual(digests(again, paths), digests(out, paths));
  const reseeded = tempDir('actlab-people-stills-');
  await generatePeopleStills({ out: reseeded, ...SMALL, sceneCorrelation: 1, seed: 3 });
  assert.notDeepEqual(digests(reseeded, paths), digests(out, paths));

  // At the default correlation some stills are elsewhere, as photos of an action sometimes are.
  const loose = await generatePeopleStills({
    out: tempDir('actlab-people-stills-'),
    actors: 24,
    perActor: 2,
    size: 32,
  });
  const own = loose.items.filter((i) => i.scene === ACTION_SCENES[i.label]).length / loose.items.length;
  assert.ok(
    own > 0.85 && own < 1,
    `${own} of the stills in their own scene (setting ${PEOPLE_STILLS.sceneCorrelation})`,
  );
  await assert.rejects(generatePeopleStills({ out: tempDir(), ...SMALL, classes: ['move_left'] }), /not an action/);
});

test('pretrainOnStills saves a run (model, normalisation, labels) and returns a finished one as it is', async () => {
  await initBackend({ log: null });
  const out = path.join(tempDir('actlab-stills-run-'), 'run');
  const first = await pretrainOnStills({ epochs: 1, out, progress: false, log: null });
  assert.equal(first.epochs, 1);
  assert.ok(
    first.valTop1 > 1 / PEOPLE_ACTIONS.length,
    `one epoch already beats chance on unseen actors: ${first.valTop1}`,
  );
  const history = JSON.parse(fs.readFileSync(path.join(out, 'history.json'), 'utf8')) as {
    normalization: { mean: number[]; std: number[] };
    labels: string[];
  };
  assert.equal(history.normalization.mean.length, 3);
  assert.deepEqual(history.labels, [...PEOPLE_ACTIONS].sort());
  assert.ok(fs.existsSync(path.join(out, 'model', 'model.json')));
  const started = Date.now();
  const again = await pretrainOnStills({ epochs: 1, out, progress: false, log: null });
  assert.deepEqual([again.epochs, again.valTop1], [1, first.valTop1]);
  assert.ok(Date.now() - started < 15_000, 'nothing retrained');
});
