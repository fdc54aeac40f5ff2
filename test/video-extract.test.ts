import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { loadDataset } from '../src/lib/data';
import { createRng } from '../src/lib/util/random';
import {
  denseClipIndices,
  estimateMemory,
  extractClip,
  extractDataset,
  locateTool,
  openClipCache,
  probe,
  randomClipIndices,
  readFrames,
  uniformIndices,
} from '../src/lib/video';
import { CLI, lastJson, makeExtractDataset, makeTestVideo, runCli, tempDir } from './helpers/fixtures';

test('decoded frame count and order match ffprobe (mp4 and avi)', async () => {
  const dir = tempDir();
  for (const file of [path.join(dir, 'a b.mp4'), path.join(dir, 'c.avi')]) {
    makeTestVideo(file, { frames: 13, width: 40, height: 30 });
    const info = await probe(file, { countFrames: true });
    assert.equal(info.frames, 13);
    assert.deepEqual([info.width, info.height, info.fps], [40, 30, 10]);
    const indices: number[] = [];
    for await (const frame of readFrames(file, { width: 20, height: 10, pixelFormat: 'gray' })) {
      assert.equal(frame.data.length, 200);
      indices.push(frame.index);
    }
    assert.deepEqual(
      indices,
      Array.from({ length: 13 }, (_, i) => i),
    );
  }
});

test('extractClip: [T,H,W,C] uint8, uniform indices, resampled fps', async () => {
  const file = makeTestVideo(path.join(tempDir(), 'v.mp4'), { frames: 20, width: 64, height: 48 });
  const clip = await extractClip(file, { frames: 4, width: 16, height: 16 });
  assert.deepEqual(clip.shape, [4, 16, 16, 3]);
  assert.equal(clip.data.length, 4 * 16 * 16 * 3);
  assert.deepEqual(clip.indices, [2, 7, 12, 17]);
  assert.deepEqual([clip.sourceFrames, clip.decodedFrames, clip.paddedFrames], [20, 20, 0]);
  const halved = await extractClip(file, { frames: 2, width: 8, height: 8, fps: 5, pixelFormat: 'gray' });
  assert.equal(halved.sourceFrames, 10);
  assert.deepEqual(halved.shape, [2, 8, 8, 1]);
});

/** 13 frames of video at 10 fps in a Matroska file with 3 s of audio: no nb_frames, and the container says 3 s. */
function mkvWithLongerAudio(file: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // prettier-ignore
  const args = [
    '-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-t', '1.3', '-i', 'testsrc=size=48x32:rate=10',
    '-f', 'lavfi', '-t', '3', '-i', 'anullsrc=r=8000:cl=mono',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le', '-threads', '1', file,
  ];
  const run = spawnSync(locateTool('ffmpeg').path, args, { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return file;
}

test('exact frame counts: a container without nb_frames is sampled from the decoded count', async () => {
  const dir = tempDir();
  const file = mkvWithLongerAudio(path.join(dir, 'cls', 'long_audio_0.mkv'));
  assert.equal((await probe(file)).frames, 30, 'ffprobe can only estimate: 3 s x 10 fps');
  assert.equal((await probe(file, { countFrames: true })).frames, 13);

  const clip = await extractClip(file, { frames: 4, width: 8, height: 8, pixelFormat: 'gray' });
  assert.deepEqual(
    [clip.sourceFrames, clip.decodedFrames, clip.paddedFrames, clip.indices],
    [13, 13, 0, [1, 4, 8, 11]],
  );
  const resampled = await extractClip(file, { frames: 4, width: 8, height: 8, pixelFormat: 'gray', fps: 5 });
  assert.deepEqual([resampled.sourceFrames, resampled.decodedFrames, resampled.paddedFrames], [7, 7, 0]);

  // Past the buffer limit the clip is streamed from the estimate: the padding is counted, not hidden.
  const streamed = await extractClip(file, { frames: 4, width: 8, height: 8, pixelFormat: 'gray', maxBufferBytes: 0 });
  assert.deepEqual(
    [streamed.sourceFrames, streamed.decodedFrames, streamed.paddedFrames, streamed.indices],
    [30, 13, 2, [3, 11, 18, 26]],
  );
  const frameBytes = 64;
  const last = streamed.data.subarray(3 * frameBytes);
  assert.deepEqual(streamed.data.subarray(2 * frameBytes, 3 * frameBytes), last, 'padded frames repeat the last one');

  const dataset = loadDataset(dir);
  const out = path.join(dir, 'cache');
  const result = await extractDataset(dataset, { out, frames: 4, width: 8, height: 8, maxBufferBytes: 0 });
  assert.equal(result.paddedClips, 1);
  const entry = openClipCache(out).clips[0];
  assert.deepEqual(
    [entry?.sourceFrames, entry?.decodedFrames, entry?.paddedFrames, entry?.indices],
    [30, 13, 2, [3, 11, 18, 26]],
  );
  const exact = await extractDataset(dataset, { out: path.join(dir, 'exact'), frames: 4, width: 8, height: 8 });
  assert.equal(exact.paddedClips, 0);
  const exactEntry = openClipCache(path.join(dir, 'exact')).clips[0];
  assert.deepEqual([exactEntry?.sourceFrames, exactEntry?.decodedFrames, exactEntry?.paddedFrames], [13, 13, 0]);
});

test('extractDataset: an aborted signal stops the workers, keeps finished shards, and the next run resumes', async () => {
  const dir = tempDir();
  for (let i = 0; i < 8; i++) makeTestVideo(path.join(dir, i % 2 ? 'a' : 'b', `clip_${i}.mp4`), { frames: 4 });
  const dataset = loadDataset(dir);
  const out = path.join(dir, 'cache');
  const controller = new AbortController();
  const options = { out, frames: 2, width: 8, height: 8, clipsPerShard: 2, workers: 1 };
  await assert.rejects(
    extractDataset(dataset, {
      ...options,
      signal: controller.signal,
      onProgress: (p) => p.done >= 2 && controller.abort(new Error('stop here')),
    }),
    { message: 'stop here' },
  );
  const kept = openClipCache(out).shards.complete;
  assert.equal(kept, 1, 'one worker: the abort comes right after shard 0');
  assert.deepEqual(
    fs.readdirSync(out).filter((n) => n.includes('.tmp-')),
    [],
  );
  const resumed = await extractDataset(dataset, options);
  assert.deepEqual([resumed.resumedShards, resumed.clips, resumed.complete], [kept, 8, true]);
});

test('clip samplers', () => {
  assert.deepEqual(uniformIndices(10, 5), [1, 3, 5, 7, 9]);
  assert.deepEqual(uniformIndices(2, 4), [0, 0, 1, 1], 'short videos repeat frames in order');
  const a = randomClipIndices(100, 4, 3, createRng(1));
  assert.deepEqual(randomClipIndices(100, 4, 3, createRng(1)), a);
  assert.deepEqual(
    a.slice(1).map((v, i) => v - (a[i] as number)),
    [3, 3, 3],
  );
  assert.deepEqual(denseClipIndices(10, 3, 2, 4), [
    [0, 2, 4],
    [4, 6, 8],
  ]);
});

test('bad files: errors name the file and say what to do', async () => {
  const dir = tempDir();
  const empty = path.join(dir, 'empty.mp4');
  fs.writeFileSync(empty, '');
  await assert.rejects(probe(empty), {
    message: `${empty}: file is empty (0 bytes), probably a failed download; delete or re-download it`,
  });
  const text = path.join(dir, 'notes.mp4');
  fs.writeFileSync(text, 'hello, not a video');
  await assert.rejects(
    probe(text),
    (e: Error) =>
      e.message.startsWith(`${text}: ffprobe cannot read it (`) &&
      e.message.endsWith('the file is corrupt or not a video: re-encode or remove it'),
  );
  await assert.rejects(probe(path.join(dir, 'missing.mp4')), /missing.mp4: file not found; check the path/);
  const truncated = makeTestVideo(path.join(dir, 'cut.mp4'), { frames: 30 });
  fs.truncateSync(truncated, 200);
  await assert.rejects(extractClip(truncated, { frames: 4, width: 8, height: 8 }), /cut.mp4: .*re-encode or remove it/);
  assert.deepEqual(
    estimateMemory(100, { frames: 16, width: 32, height: 32, channels: 1, dtype: 'float32', inFlight: 10 }),
    {
      bytesPerClip: 65536,
      wholeBytes: 6553600,
      streamedBytes: 655360,
    },
  );
});

async function synthDataset(): Promise<string> {
  const root = await makeExtractDataset();
  fs.writeFileSync(path.join(root, 'grow', 'zz_broken.mp4'), 'corrupt');
  return root;
}

function checksums(dir: string): string[] {
  const cache = openClipCache(dir);
  return cache.clips.map((c) => `${c.path} ${c.sha256}`).sort();
}

test('extract CLI: killed run resumes, N-shard union equals a single run, corrupt file skipped', async () => {
  const root = await synthDataset();
  const common = ['--frames', '8', '--size', '16x16', '--gray', '--clips-per-shard', '4', '--workers', '2', '--json'];

  const single = path.join(tempDir(), 'single');
  const full = runCli(['extract', root, '--out', single, ...common]);
  assert.equal(full.code, 0, full.stderr);
  const summary = lastJson<{ clips: number; shards: number; skipped: Array<{ path: string; error: string }> }>(
    full.stdout,
  );
  assert.equal(summary.clips, 48);
  assert.equal(summary.shards, 13);
  assert.deepEqual(
    summary.skipped.map((s) => path.basename(s.path)),
    ['zz_broken.mp4'],
  );
  const cache = openClipCache(single);
  assert.deepEqual(cache.shape, [8, 16, 16, 1]);
  assert.deepEqual(await cache.verify(), []);
  const clip = await cache.readClipFloat(0);
  assert.ok(clip.data.every((v) => v >= 0 && v <= 1));
  assert.ok(fs.existsSync(path.join(single, 'index.json')));

  // Kill a run as soon as its first shard is done, then resume it.
  const resumed = path.join(tempDir(), 'resumed');
  const child = spawn(process.execPath, [CLI, 'extract', root, '--out', resumed, ...common, '--workers', '1'], {
    stdio: 'ignore',
  });
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (fs.existsSync(path.join(resumed, 'shard-00000.json'))) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
  });
  await new Promise((resolve) => child.on('close', resolve));
  const done = fs.readdirSync(resumed).filter((n) => /^shard-\d+\.json$/.test(n)).length;
  assert.ok(done >= 1 && done < 13, `killed after ${done} shards`);
  const again = runCli(['extract', root, '--out', resumed, ...common]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(lastJson<{ resumed_shards: number }>(again.stdout).resumed_shards >= 1);
  assert.deepEqual(checksums(resumed), checksums(single));
  assert.equal(fs.readdirSync(resumed).filter((n) => n.includes('.tmp-')).length, 0);

  // Three array-job slices (one from the environment) into one folder.
  const sharded = path.join(tempDir(), 'sharded');
  for (const i of [0, 1])
    assert.equal(runCli(['extract', root, '--out', sharded, ...common, '--shard', `${i}/3`]).code, 0);
  assert.equal(openClipCache(sharded).shards.complete, 9);
  const last = runCli(['extract', root, '--out', sharded, ...common], {
    JOB_COMPLETION_INDEX: '2',
    ACTLAB_SHARD_COUNT: '3',
  });
  assert.equal(last.code, 0, last.stderr);
  assert.equal(lastJson<{ complete: boolean }>(last.stdout).complete, true);
  assert.deepEqual(checksums(sharded), checksums(single));

  const other = runCli(['extract', root, '--out', single, '--frames', '4', '--clips-per-shard', '4', '--json']);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /cache.json was made with different settings; use another --out folder, or delete/);
  // A cache inside the dataset's own folder: the advice never says to delete the folder that holds the videos.
  assert.equal(runCli(['extract', root, '--out', root, ...common]).code, 0);
  const inPlace = runCli(['extract', root, '--out', root, '--frames', '4', '--clips-per-shard', '4']);
  assert.equal(inPlace.code, 1);
  assert.ok(
    inPlace.stderr.includes(
      `cache.json was made with different settings; use another --out folder; ${root} also holds the dataset's ` +
        "videos, so to start over there delete only the cache's files in it (cache.json, index.json, shard-*), " +
        'never the folder (nothing in it was changed)',
    ),
    inPlace.stderr,
  );
  assert.doesNotMatch(inPlace.stderr, new RegExp(`delete ${root} to start over`));
  assert.match(runCli(['extract', root, '--out', single, '--shard', '3/3']).stderr, /shard 3\/3 is out of range/);
});
