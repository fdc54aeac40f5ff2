/**
 * A full disk (issue 22, principle 5): `extract` and `train` name the file
 * they were writing, say that a re-run resumes, leave no temporary file
 * behind, and a re-run with space finishes, keeping the shards already done.
 * A real small tmpfs stands in for the full disk (mounting needs root; CI is root).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';

import { makeSmallCache, makeSmallDataset } from './helpers/cache-fixture';
import { freshDir, runCliAsync } from './helpers/run-async';

const mounted: string[] = [];
after(() => {
  for (const dir of mounted) spawnSync('umount', [dir]);
});

/** A fresh tmpfs of `size` (e.g. "64k"); undefined (the test skipped, naming why) where none can be mounted. */
function smallDisk(t: TestContext, size: string): string | undefined {
  const dir = freshDir();
  const run = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (run.status === 0) {
    mounted.push(dir);
    return dir;
  }
  const reason = `cannot mount a tmpfs here (${run.stderr.trim() || run.error?.message}): run as root`;
  assert.notEqual(process.env.CI, 'true', reason); // CI runs as root: there, this is a failure
  t.skip(reason);
  return undefined;
}

function resize(dir: string, size: string): void {
  const run = spawnSync('mount', ['-o', `remount,size=${size}`, dir], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
}

/** Every path under `dir` whose name marks an unfinished write. */
function leftovers(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => /\.tmp-\d+|\.part$/.test(name));
}

const fullDiskLine =
  /no space left on its device; free space there or choose another folder \(finished work is kept: run the same command again to resume\)$/m;

describe('a full disk', () => {
  test('extract names the shard it was writing, removes its temp, and resumes when there is space', async (t) => {
    const disk = smallDisk(t, '64k');
    if (!disk) return;
    const dataset = await makeSmallDataset();
    // 2 clips of 8 x 32 x 32 x 3 bytes (48 KiB) a shard: the first fits, the second does not.
    const args = ['extract', dataset, '--out', path.join(disk, 'cache'), '--frames', '8', '--size', '32x32'];
    const full = await runCliAsync([...args, '--clips-per-shard', '2', '--workers', '1']);
    assert.equal(full.code, 1, full.stderr);
    const line = full.stderr.trim().split('\n').at(-1) as string;
    assert.match(line, new RegExp(`^actlab: ${path.join(disk, 'cache')}/shard-\\d{5}\\.bin\\.tmp-\\d+: `));
    assert.match(line, fullDiskLine);
    assert.doesNotMatch(full.stderr, /^\s+at /m, 'no stack trace');
    assert.deepEqual(leftovers(disk), []);
    const kept = fs.readdirSync(path.join(disk, 'cache')).filter((name) => /^shard-\d+\.json$/.test(name));
    assert.ok(kept.length >= 1, 'the shard that fitted is kept');

    resize(disk, '4m');
    const again = await runCliAsync([...args, '--clips-per-shard', '2', '--workers', '1']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout + again.stderr, new RegExp(`\\(${kept.length} already done\\)`));
    assert.match(again.stdout + again.stderr, /cache complete/);
  });

  test('train names the checkpoint file it was writing and leaves no temp behind', async (t) => {
    const disk = smallDisk(t, '16k');
    if (!disk) return;
    const cache = await makeSmallCache();
    const run = path.join(disk, 'run');
    const full = await runCliAsync([
      'train',
      '--model',
      'cnn2d',
      '--data',
      cache,
      '--out',
      run,
      '--epochs',
      '1',
      '--augment',
      'none',
    ]);
    assert.equal(full.code, 1, full.stderr);
    const line = full.stderr.trim().split('\n').at(-1) as string;
    assert.match(line, new RegExp(`^actlab: train: ${run}/\\S+: `));
    assert.match(line, fullDiskLine);
    assert.deepEqual(leftovers(disk), []);
  });
});
