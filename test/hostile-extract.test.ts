/**
 * Hostile input through `extract`, `eda` and the clip cache (issue 14):
 * bad settings, damaged caches, two writers, unreadable entries, huge clips.
 * Uses only names the library had before these fixes, so the same file runs
 * against the old code to show each case failing there.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
// The default import is Node's own module object, whose functions a spy can replace.
import fsModule from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';

import { makeDataset, type VideoItem } from '../src/lib/data';
import { extractDataset, locateTool, openClipCache } from '../src/lib/video';
import { writeCacheIndex } from '../src/lib/video/cache-format';
import { CLI, makeTestVideo, runCli, tempDir } from './helpers/fixtures';
import { runCliAsync } from './helpers/run-async';

const SMALL = ['--frames', '2', '--size', '8x8', '--workers', '1'];

/** 2 classes x 2 short videos at 16x16 (well under a second to make). */
function makeVideos(root = tempDir()): string {
  for (const label of ['jump', 'wave'])
    for (const take of [1, 2])
      makeTestVideo(path.join(root, label, `${label}_${take}.mp4`), { frames: 4, width: 16, height: 16 });
  return root;
}

/** One line on stderr, starting `actlab:`, and no stack frame. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('actlab:'));
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] as string, pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

describe('principle 2: never report success for work that failed', () => {
  test('extract --size 100000x100000 is refused before anything is written; the next correct run works', () => {
    const data = makeVideos();
    const out = path.join(tempDir(), 'cache');
    const bad = runCli(['extract', data, '--out', out, '--frames', '2', '--size', '100000x100000']);
    assert.equal(bad.code, 1, bad.stdout);
    assertOneLine(bad.stderr, /frame size 100000x100000 is larger than ffmpeg's 16384x16384/);
    assert.equal(fs.existsSync(path.join(out, 'cache.json')), false, 'no settings recorded');
    const good = runCli(['extract', data, '--out', out, ...SMALL]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /^4 clips .* cache complete/);
  });

  test('extract --sampler bogus is refused before any video is called unreadable', () => {
    const out = path.join(tempDir(), 'cache');
    const run = runCli(['extract', makeVideos(), '--out', out, ...SMALL, '--sampler', 'bogus']);
    assert.equal(run.code, 1);
    assertOneLine(run.stderr, /unknown clip sampler "bogus"; choose from uniform/);
    assert.doesNotMatch(run.stderr, /skipped:/);
    assert.equal(fs.existsSync(path.join(out, 'cache.json')), false);
  });

  test('extract of a dataset where every video is corrupt exits 1 and marks nothing done', () => {
    const data = tempDir();
    for (const label of ['jump', 'wave']) {
      fs.mkdirSync(path.join(data, label));
      fs.writeFileSync(path.join(data, label, `${label}.mp4`), 'not a video at all');
    }
    const out = path.join(tempDir(), 'cache');
    const run = runCli(['extract', data, '--out', out, ...SMALL, '--json']);
    assert.equal(run.code, 1, run.stdout);
    assertOneLine(run.stderr, /no clip could be extracted: all 2 item\(s\) of this run failed \(first: .*jump\.mp4/);
    assert.equal(fs.existsSync(path.join(out, 'index.json')), false);
    assert.equal(fs.existsSync(path.join(out, 'shard-00000.json')), false, 'a re-run tries them again');
  });
});

describe('principle 3: a damaged cache says so, and which file', () => {
  let cache: string;
  before(async () => {
    cache = path.join(tempDir(), 'cache');
    const dataset = makeVideos();
    const run = runCli(['extract', dataset, '--out', cache, ...SMALL, '--clips-per-shard', '2']);
    assert.equal(run.code, 0, run.stderr);
  });
  const copy = (): string => {
    const dir = path.join(tempDir(), 'cache');
    fs.cpSync(cache, dir, { recursive: true });
    return dir;
  };

  test('a truncated shard .bin is named on open, not silently dropped', () => {
    const dir = copy();
    const bin = path.join(dir, 'shard-00001.bin');
    fs.truncateSync(bin, 100);
    assert.throws(() => openClipCache(dir), {
      message:
        `${bin}: is 100 bytes, shard-00001.json says 768 (truncated or overwritten); delete ${path.join(dir, 'shard-00001')}.bin ` +
        `and ${path.join(dir, 'shard-00001')}.json and re-run the same "actlab extract ... --out ${dir}" command to rebuild that shard`,
    });
  });

  test('a flipped byte in a shard fails the first read of that shard, naming it', async () => {
    const dir = copy();
    const bin = path.join(dir, 'shard-00000.bin');
    const bytes = fs.readFileSync(bin);
    bytes[5] = (bytes[5] as number) ^ 0xff;
    fs.writeFileSync(bin, bytes);
    const opened = openClipCache(dir);
    await assert.rejects(opened.readClip(1), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`^${bin}: SHA-256 is [0-9a-f]{12}…, its sidecar says [0-9a-f]{12}… \\(the bytes changed\\); delete`),
      );
      return true;
    });
    assert.equal((await opened.readClip(2)).data.length, 384, 'the other shard still reads');
    assert.deepEqual(await opened.verify(), [0], 'verify names the bad clip');
    await opened.close();
  });

  test('a sidecar that is not JSON is named with the fix', () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'index.json'));
    const sidecar = path.join(dir, 'shard-00000.json');
    fs.writeFileSync(sidecar, '{"shard": 0, "fil');
    assert.throws(
      () => openClipCache(dir),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^${sidecar}: the shard's sidecar cannot be read \\(.*JSON.*\\); delete`),
        );
        return true;
      },
    );
  });

  test('extract while another live extract holds the cache is refused; a dead holder is taken over', () => {
    const data = makeVideos();
    const out = path.join(tempDir(), 'cache');
    fs.mkdirSync(out);
    const lock = path.join(out, 'extract.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), index: 0, count: 1 }));
    const refused = runCli(['extract', data, '--out', out, ...SMALL]);
    assert.equal(refused.code, 1, refused.stdout);
    assertOneLine(
      refused.stderr,
      new RegExp(
        `being written by another extract \\(pid ${process.pid} on .*\\); wait for it to finish, or if it is no longer running delete ${lock}`,
      ),
    );
    // A lock left by a killed run (its pid is gone) does not block the next run.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lock, JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), index: 0, count: 1 }));
    const taken = runCli(['extract', data, '--out', out, ...SMALL]);
    assert.equal(taken.code, 0, taken.stderr);
    assert.equal(fs.existsSync(lock), false, 'released at the end');
  });

  test('two extract runs with different --frames on one cache at once: exactly one succeeds', async () => {
    const data = makeVideos();
    const out = path.join(tempDir(), 'cache');
    const runs = await Promise.all(
      ['2', '3'].map((frames) =>
        runCliAsync([
          'extract',
          data,
          '--out',
          out,
          '--frames',
          frames,
          '--size',
          '8x8',
          '--clips-per-shard',
          '1',
          '--workers',
          '1',
        ]),
      ),
    );
    assert.deepEqual(runs.map((r) => r.code).sort(), [0, 1], runs.map((r) => r.stderr).join('\n'));
    const opened = openClipCache(out);
    const lengths = new Set(opened.clips.map((c) => c.length));
    assert.equal(lengths.size, 1, 'one clip shape in the cache');
  });
});

describe('principle 4: one bad entry is reported, not fatal, and never a stack trace', () => {
  test('extract --out pointing at a file is one line', () => {
    const file = path.join(tempDir(), 'cache');
    fs.writeFileSync(file, 'mine');
    const run = runCli(['extract', makeVideos(), '--out', file, ...SMALL]);
    assert.equal(run.code, 1);
    assertOneLine(run.stderr, new RegExp(`${file} is a file, not a cache folder`));
    assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
  });

  test('a manifest.json that is a folder is one line from eda and extract', () => {
    const data = makeVideos();
    fs.mkdirSync(path.join(data, 'manifest.json'));
    for (const args of [
      ['eda', data],
      ['extract', data, '--out', path.join(tempDir(), 'c'), ...SMALL],
    ]) {
      const run = runCli(args);
      assert.equal(run.code, 1, run.stdout);
      assertOneLine(run.stderr, /manifest\.json: is a folder/);
    }
  });

  test('an empty class folder adds no class the data never feeds', () => {
    const data = makeVideos();
    fs.mkdirSync(path.join(data, 'zzz_empty'));
    const out = path.join(tempDir(), 'cache');
    const run = runCli(['extract', data, '--out', out, ...SMALL]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /zzz_empty: class folder has no video files, so it is not a class/);
    assert.deepEqual(openClipCache(out).classes, ['jump', 'wave']);
  });

  const root = process.getuid?.() === 0;
  const asNobody = (args: string[], env: Record<string, string> = {}): ReturnType<typeof spawnSync> =>
    spawnSync(
      'runuser',
      [
        '-u',
        'nobody',
        '--',
        'env',
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        process.execPath,
        CLI,
        ...args,
      ],
      {
        encoding: 'utf8',
      },
    );
  /** A tree nobody can enter, with a runnable ffprobe (the bundled one may be 0744). */
  const shared = (): { data: string; out: string; env: Record<string, string> } => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    const probe = path.join(dir, 'ffprobe');
    fs.copyFileSync(locateTool('ffprobe').path, probe);
    fs.chmodSync(probe, 0o755);
    return { data: makeVideos(path.join(dir, 'data')), out: path.join(dir, 'cache'), env: { ACTLAB_FFPROBE: probe } };
  };
  // The child runs this checkout's CLI as nobody: every folder above it must be world-searchable.
  const skip = !root
    ? 'needs root to run a child as the unprivileged user "nobody"'
    : asNobody(['--version']).status !== 0
      ? `user "nobody" cannot run ${CLI} (a folder above it is not world-searchable, e.g. a mktemp -d parent)`
      : false;

  test('an unreadable video is a permission problem, not a corrupt file', { skip }, () => {
    const { data, out, env } = shared();
    const video = path.join(data, 'jump', 'jump_1.mp4');
    fs.chmodSync(video, 0o600);
    const run = asNobody(['extract', data, '--out', out, ...SMALL], env);
    assert.equal(run.status, 0, String(run.stderr));
    assert.match(
      String(run.stderr),
      new RegExp(
        `skipped: ${video}: permission denied \\(user \\d+ cannot read it\\); make it readable \\(chmod a\\+r\\)`,
      ),
    );
    assert.doesNotMatch(String(run.stderr), /re-encode/);
  });

  test('an unreadable class folder is one warning from extract and eda, and the rest is read', { skip }, () => {
    const { data, out, env } = shared();
    fs.chmodSync(path.join(data, 'wave'), 0o700);
    for (const args of [
      ['extract', data, '--out', out, ...SMALL],
      ['eda', data],
    ]) {
      const run = asNobody(args, env);
      assert.equal(run.status, 0, String(run.stderr));
      assert.match(
        String(run.stderr),
        /wave: permission denied, cannot list this folder; make it readable \(chmod a\+rx\)/,
      );
      assert.doesNotMatch(String(run.stderr), /\n\s+at /);
    }
  });

  test('an ffprobe this user cannot run is named with the chmod fix before any video is read', { skip }, () => {
    const { data, out } = shared();
    const probe = path.join(path.dirname(data), 'ffprobe-0744');
    fs.writeFileSync(probe, '#!/bin/sh\necho ffprobe version 6\n', { mode: 0o744 });
    const run = asNobody(['extract', data, '--out', out, ...SMALL], { ACTLAB_FFPROBE: probe });
    assert.equal(run.status, 1, String(run.stdout));
    assertOneLine(String(run.stderr), new RegExp(`not executable by this user; run "chmod a\\+x ${probe}"`));
  });
});

describe('principle 7: resources stay bounded', () => {
  test('extract --frames 100000 is refused with the per-clip limit and why', () => {
    const out = path.join(tempDir(), 'cache');
    const run = runCli(['extract', makeVideos(), '--out', out, '--frames', '100000']);
    assert.equal(run.code, 1);
    assertOneLine(
      run.stderr,
      /a clip of 100000 frames at 32x32 RGB is 293 MiB, over the 64 MiB limit per clip \(each is held whole .*\); use fewer frames or a smaller size/,
    );
    assert.equal(fs.existsSync(out), false);
  });

  test('opening and resuming a 300-shard cache reads each file once (index.json when present)', async () => {
    const shards = 300;
    const out = path.join(tempDir(), 'cache');
    const items: VideoItem[] = Array.from({ length: shards }, (_, i) => ({
      path: `/absent/v${String(i).padStart(4, '0')}.mp4`,
      label: 'a',
      group: `g${i}`,
      kind: 'video',
    }));
    const dataset = makeDataset('/absent', 'folder', items);
    const options = { out, frames: 1, width: 1, height: 1, pixelFormat: 'gray' as const, clipsPerShard: 1, workers: 1 };
    const calls = { readFileSync: 0, readdirSync: 0, existsSync: 0 };
    const spied = fsModule as unknown as Record<keyof typeof calls, (...args: unknown[]) => unknown>;
    const originals = { ...calls } as unknown as typeof spied;
    for (const name of Object.keys(calls) as Array<keyof typeof calls>) {
      originals[name] = spied[name];
      spied[name] = (...args: unknown[]) => {
        calls[name]++;
        return originals[name](...args);
      };
    }
    const count = async (work: () => unknown): Promise<typeof calls> => {
      for (const name of Object.keys(calls) as Array<keyof typeof calls>) calls[name] = 0;
      await work();
      return { ...calls };
    };
    const stopAtFirstProgress = (): Promise<unknown> =>
      extractDataset(dataset, {
        ...options,
        onProgress: () => {
          throw new Error('stop');
        },
      }).catch((error: Error) => assert.equal(error.message, 'stop'));
    try {
      // Resuming a fresh cache of 300 pending shards: not one folder listing per shard.
      const fresh = await count(stopAtFirstProgress);
      assert.ok(fresh.readdirSync <= 3, `readdirSync ${fresh.readdirSync} times`);
      // Every shard done (1 byte each), no index.json: one sidecar read per shard.
      const records = items.map((item, shard) => {
        const name = `shard-${String(shard).padStart(5, '0')}`;
        fs.writeFileSync(path.join(out, `${name}.bin`), Buffer.from([shard % 256]));
        const sha = crypto
          .createHash('sha256')
          .update(Buffer.from([shard % 256]))
          .digest('hex');
        const clip = {
          path: item.path,
          label: 'a',
          group: item.group,
          split: null,
          item: shard,
          labelIndex: 0,
          shard,
          offset: 0,
          length: 1,
          sha256: sha,
          sourceFrames: 1,
        };
        const record = { shard, file: `${name}.bin`, bytes: 1, sha256: sha, clips: [clip], skipped: [] };
        fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(record));
        return record;
      });
      const sidecars = await count(() => openClipCache(out));
      assert.ok(sidecars.readFileSync <= shards + 2, `readFileSync ${sidecars.readFileSync} times`);
      assert.ok(sidecars.readdirSync + sidecars.existsSync <= 3, JSON.stringify(sidecars));
      // With index.json: the open reads cache.json and index.json only.
      const plan = JSON.parse(fs.readFileSync(path.join(out, 'cache.json'), 'utf8'));
      writeCacheIndex(out, plan, records);
      const indexed = await count(() => openClipCache(out));
      assert.ok(indexed.readFileSync <= 2, `readFileSync ${indexed.readFileSync} times`);
      assert.equal(openClipCache(out).clips.length, shards);
      const resumed = await count(stopAtFirstProgress);
      assert.ok(resumed.readFileSync <= 5, `resume: readFileSync ${resumed.readFileSync} times`);
    } finally {
      Object.assign(spied, originals);
    }
  });
});
