/** Scale-out: N `extract --shard i/N` jobs, then `actlab merge` checks and indexes their shards. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { makeSmallDataset } from './helpers/cache-fixture';
import { lastJson, tempDir } from './helpers/fixtures';
import { runCliAsync } from './helpers/run-async';

interface MergeJson {
  planned: number;
  valid: number;
  clips: number;
  missing: number[];
  corrupt: number[];
  duplicates: number[];
  rerun_jobs: string[];
  complete: boolean;
}

const EXTRACT = ['--frames', '4', '--size', '8x8', '--clips-per-shard', '5', '--workers', '1', '--json'];

test('3 jobs on 3 "machines" merge into the index a single process writes; a missing or damaged shard is named', async () => {
  const dataset = await makeSmallDataset();
  const work = tempDir();
  const single = path.join(work, 'single');
  const one = await runCliAsync(['extract', dataset, '--out', single, ...EXTRACT]);
  assert.equal(one.code, 0, one.stderr);

  const jobs = [0, 1, 2].map((i) => path.join(work, `job${i}`));
  const runs = await Promise.all(
    jobs.map((out, i) => runCliAsync(['extract', dataset, '--out', out, ...EXTRACT, '--shard', `${i}/3`])),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);

  // Jobs 0 and 1 only: shards 2 (job 2/3) is missing.
  const partial = await runCliAsync([
    'merge',
    jobs[0] as string,
    jobs[1] as string,
    '--out',
    path.join(work, 'partial'),
    '--jobs',
    '3',
    '--json',
  ]);
  assert.equal(partial.code, 1);
  const p = lastJson<MergeJson>(partial.stdout);
  assert.deepEqual([p.planned, p.missing, p.rerun_jobs, p.complete], [5, [2], ['2/3'], false]);
  assert.match(
    partial.stderr,
    /^missing shard 2: shard-00002 is not in any of 2 inputs; re-run: actlab extract DATASET --out CACHE --shard 2\/3$/m,
  );
  assert.ok(!fs.existsSync(path.join(work, 'partial', 'index.json')), 'no index for an incomplete cache');

  const merged = path.join(work, 'merged');
  const full = await runCliAsync(['merge', ...jobs, '--out', merged, '--jobs', '3', '--json']);
  assert.equal(full.code, 0, full.stderr);
  const m = lastJson<MergeJson>(full.stdout);
  assert.deepEqual([m.valid, m.clips, m.complete], [5, 24, true]);
  const index = (dir: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
  assert.deepEqual(index(merged), index(single));

  // A flipped byte in one shard: named as corrupt, with the job to re-run.
  const bin = path.join(jobs[1] as string, 'shard-00001.bin');
  const bytes = fs.readFileSync(bin);
  bytes[3] = (bytes[3] as number) ^ 0xff;
  fs.writeFileSync(bin, bytes);
  const damaged = await runCliAsync(['merge', ...jobs, '--out', path.join(work, 'damaged'), '--jobs', '3', '--json']);
  assert.equal(damaged.code, 1);
  assert.deepEqual(lastJson<MergeJson>(damaged.stdout).corrupt, [1]);
  assert.match(
    damaged.stderr,
    /^corrupt shard 1: SHA-256 of shard-00001\.bin is [0-9a-f]{12}…, its sidecar says [0-9a-f]{12}…: the file is damaged; delete it and its \.json and re-run its job; re-run: actlab extract DATASET --out CACHE --shard 1\/3$/m,
  );

  const other = await runCliAsync(['merge', single, path.join(work, 'nothing')]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /nothing\/cache\.json not found: is .* a cache made by "actlab extract"\?/);
});
