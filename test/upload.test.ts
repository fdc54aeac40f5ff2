/** `actlab upload` / `download` and the S3 clip cache against a real local S3 server (s3rver). */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { downloadDirectory, openS3ClipCache, uploadDirectory } from '../src/lib/upload';
import { CLI, lastJson } from './helpers/fixtures';
import { freshDir, runCliAsync } from './helpers/run-async';
import { S3_CREDENTIALS, startS3, type TestS3, writeSmallFiles } from './helpers/s3-server';

interface UploadJson {
  mode: string;
  files: number;
  packed_files: number;
  objects: number;
  uploaded: number;
  skipped: number;
  bytes_uploaded: number;
  seconds: number;
  mb_per_s: number;
  dry_run: boolean;
}

let s3: TestS3;
const env = (): NodeJS.ProcessEnv => ({ ...S3_CREDENTIALS });
// Transfer state goes to the per-user cache (XDG_CACHE_HOME): keep this run's in a temp folder.
Object.assign(process.env, S3_CREDENTIALS, { XDG_CACHE_HOME: freshDir() });

before(async () => {
  s3 = await startS3(['data', 'cache', 'many', 'packed', 'resume']);
});
after(async () => {
  await s3.close();
});

function sha(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('upload', () => {
  test('a 50 MB file goes up in parts and comes back with the same SHA-256', async () => {
    const dir = freshDir();
    const big = path.join(dir, 'videos', 'big.bin');
    fs.mkdirSync(path.dirname(big), { recursive: true });
    fs.writeFileSync(big, crypto.randomBytes(50 * 1024 * 1024));
    const run = await runCliAsync(
      ['upload', dir, 's3://data/run1', '--endpoint', s3.endpoint, '--part-size', '8', '--json'],
      env(),
    );
    assert.equal(run.code, 0, run.stderr);
    const json = lastJson<UploadJson>(run.stdout);
    assert.equal(json.mode, 'as-is');
    assert.equal(json.uploaded, 1);
    assert.equal(json.bytes_uploaded, 50 * 1024 * 1024);
    console.log(`multipart 50 MiB: ${json.mb_per_s} MiB/s`);
    assert.match(run.stderr, /MB\/s/);

    const back = freshDir();
    const down = await runCliAsync(['download', 's3://data/run1', back, '--endpoint', s3.endpoint, '--json'], env());
    assert.equal(down.code, 0, down.stderr);
    assert.equal(sha(path.join(back, 'videos', 'big.bin')), sha(big));

    const again = await runCliAsync(['upload', dir, 's3://data/run1', '--endpoint', s3.endpoint, '--json'], env());
    assert.equal(lastJson<UploadJson>(again.stdout).uploaded, 0, 'a second run sends nothing');
    assert.equal(lastJson<UploadJson>(again.stdout).skipped, 1);
    const downAgain = await runCliAsync(
      ['download', 's3://data/run1', back, '--endpoint', s3.endpoint, '--json'],
      env(),
    );
    assert.equal(lastJson<{ downloaded: number }>(downAgain.stdout).downloaded, 0);

    // A download cut off half-way: the .part continues with a ranged GET.
    const local = path.join(back, 'videos', 'big.bin');
    fs.rmSync(local);
    fs.writeFileSync(`${local}.part`, fs.readFileSync(big).subarray(0, 20 * 1024 * 1024));
    const resumed = await runCliAsync(['download', 's3://data/run1', back, '--endpoint', s3.endpoint, '--json'], env());
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(lastJson<{ bytes_downloaded: number }>(resumed.stdout).bytes_downloaded, 30 * 1024 * 1024);
    assert.equal(sha(local), sha(big));
  });

  test('1,000 small files: as-is and packed, measured, and --dry-run sends nothing', async () => {
    const dir = freshDir();
    writeSmallFiles(dir, 1000);
    const dry = await runCliAsync(
      ['upload', dir, 's3://many/a', '--endpoint', s3.endpoint, '--as-is', '--dry-run', '--json'],
      env(),
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(lastJson<UploadJson>(dry.stdout).uploaded, 1000);
    assert.equal(lastJson<UploadJson>(dry.stdout).dry_run, true);
    assert.equal([...s3.puts.keys()].filter((k) => k.startsWith('a/')).length, 0);

    const asIs = await runCliAsync(
      ['upload', dir, 's3://many/a', '--endpoint', s3.endpoint, '--as-is', '--concurrency', '8', '--json'],
      env(),
    );
    assert.equal(asIs.code, 0, asIs.stderr);
    const a = lastJson<UploadJson>(asIs.stdout);
    assert.equal(a.uploaded, 1000);

    const packed = await runCliAsync(['upload', dir, 's3://packed/p', '--endpoint', s3.endpoint, '--json'], env());
    assert.equal(packed.code, 0, packed.stderr);
    const p = lastJson<UploadJson>(packed.stdout);
    assert.equal(p.mode, 'pack', 'auto mode packs 1,000 small files');
    assert.equal(p.packed_files, 1000);
    assert.equal(p.uploaded, 2, 'one tar shard plus the pack index');
    console.log(
      `1,000 files of ~4 KiB: as-is ${a.seconds.toFixed(2)}s (${a.mb_per_s} MiB/s), packed ${p.seconds.toFixed(2)}s (${p.mb_per_s} MiB/s)`,
    );
    const state = path.join(process.env.XDG_CACHE_HOME as string, 'actlab', 'uploads');
    const staged = (fs.readdirSync(state, { recursive: true }) as string[]).filter((f) => f.includes('pack-'));
    assert.deepEqual(staged, [], 'staged shards are removed after upload');

    const repeat = await runCliAsync(['upload', dir, 's3://packed/p', '--endpoint', s3.endpoint, '--json'], env());
    assert.deepEqual(
      [lastJson<UploadJson>(repeat.stdout).uploaded, lastJson<UploadJson>(repeat.stdout).skipped],
      [0, 2],
    );
    assert.doesNotMatch(repeat.stderr, /^pack /m, 'shards already up are not packed again');

    const back = freshDir();
    const down = await runCliAsync(['download', 's3://packed/p', back, '--endpoint', s3.endpoint, '--json'], env());
    assert.equal(down.code, 0, down.stderr);
    assert.equal(lastJson<{ unpacked: number }>(down.stdout).unpacked, 1);
    for (const name of ['class0/frame_00000.jpg', 'class9/frame_00999.jpg', 'class3/frame_00503.jpg']) {
      assert.equal(sha(path.join(back, name)), sha(path.join(dir, name)), name);
    }
    assert.ok(!fs.existsSync(path.join(back, '_actlab_pack')), 'tar shards are unpacked, not left as files');
  });

  test('killed mid-upload, a re-run sends only what was not complete', async () => {
    const dir = freshDir();
    writeSmallFiles(dir, 600, 20_000);
    const args = [
      CLI,
      'upload',
      dir,
      's3://resume/r',
      '--endpoint',
      s3.endpoint,
      '--as-is',
      '--concurrency',
      '2',
      '--json',
    ];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env() }, stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if ([...s3.puts.keys()].filter((key) => key.startsWith('r/')).length >= 150) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('the upload finished before it could be killed; raise the file count'));
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200)); // let in-flight requests land
    const firstRun = new Map([...s3.puts].filter(([key]) => key.startsWith('r/')));
    assert.ok(firstRun.size >= 150 && firstRun.size < 600, `first run stored ${firstRun.size} objects`);

    const resumed = await runCliAsync(
      ['upload', dir, 's3://resume/r', '--endpoint', s3.endpoint, '--as-is', '--json'],
      env(),
    );
    assert.equal(resumed.code, 0, resumed.stderr);
    const json = lastJson<UploadJson>(resumed.stdout);
    assert.equal(json.skipped, firstRun.size, 'every object stored by the killed run is skipped');
    assert.equal(json.uploaded, 600 - firstRun.size);
    for (const [key, count] of s3.puts) {
      if (key.startsWith('r/')) assert.equal(count, 1, `${key} was sent ${count} times`);
    }
    assert.equal([...s3.puts.keys()].filter((k) => k.startsWith('r/')).length, 600);
  });

  test('bad credentials, a missing bucket and a bad URL give clear errors', async () => {
    const dir = freshDir();
    writeSmallFiles(dir, 3);
    const badKeys = await runCliAsync(['upload', dir, 's3://data/x', '--endpoint', s3.endpoint], {
      AWS_ACCESS_KEY_ID: 'WRONG',
      AWS_SECRET_ACCESS_KEY: 'WRONG',
    });
    assert.equal(badKeys.code, 1);
    assert.match(
      badKeys.stderr,
      /^actlab: access to s3:\/\/data at http:\/\/127\.0\.0\.1:\d+ was refused: check AWS_ACCESS_KEY_ID/m,
    );
    const noBucket = await runCliAsync(['upload', dir, 's3://nosuchbucket/x', '--endpoint', s3.endpoint], env());
    assert.equal(noBucket.code, 1);
    assert.match(
      noBucket.stderr,
      /^actlab: bucket of s3:\/\/nosuchbucket does not exist at http:\/\/127\.0\.0\.1:\d+; create it/m,
    );
    const badUrl = await runCliAsync(['upload', dir, 'bucket/x'], env());
    assert.equal(badUrl.code, 1);
    assert.match(badUrl.stderr, /"bucket\/x" is not an S3 URL: expected s3:\/\/bucket\/prefix/);
    const noDir = await runCliAsync(
      ['upload', path.join(dir, 'missing'), 's3://data/x', '--endpoint', s3.endpoint],
      env(),
    );
    assert.match(noDir.stderr, /missing is not a folder/);
  });
});

describe('S3 clip cache', () => {
  test('a cache on S3 reads the same clips as the local one, fetching shards on demand', async () => {
    const { makeSmallCache } = await import('./helpers/cache-fixture');
    const cacheDir = await makeSmallCache();
    const up = await uploadDirectory({
      dir: cacheDir,
      destination: 's3://cache/c1',
      endpoint: s3.endpoint,
      mode: 'as-is',
    });
    assert.ok(up.uploaded > 0);
    const local = freshDir();
    const cache = await openS3ClipCache({ source: 's3://cache/c1', localDir: local, endpoint: s3.endpoint });
    const { openClipCache } = await import('../src/lib/video');
    const reference = openClipCache(cacheDir);
    assert.equal(cache.clips.length, reference.clips.length);
    assert.deepEqual(cache.shards, reference.shards);
    assert.ok(!fs.existsSync(path.join(local, 'shard-00000.bin')), 'no shard fetched before a read');
    const clip = await cache.readClip(cache.clips.length - 1);
    assert.deepEqual(clip.data, (await reference.readClip(cache.clips.length - 1)).data);
    assert.deepEqual(await cache.verify(), []);
    assert.equal(await cache.syncAll(), 0, 'verify already fetched every shard');
    await cache.close();
    await reference.close();
    const down = await downloadDirectory({ source: 's3://cache/c1', dir: freshDir(), endpoint: s3.endpoint });
    assert.equal(down.downloaded, up.uploaded);
  });

  test('a cache re-extracted with the same settings (same sizes) is fetched again, not served stale', async () => {
    const { makeSmallCache } = await import('./helpers/cache-fixture');
    const { openClipCache } = await import('../src/lib/video');
    const first = await makeSmallCache();
    const upload = (dir: string) =>
      uploadDirectory({ dir, destination: 's3://cache/same-size', endpoint: s3.endpoint, mode: 'as-is' });
    await upload(first);
    const local = freshDir();
    const before = await openS3ClipCache({ source: 's3://cache/same-size', localDir: local, endpoint: s3.endpoint });
    await before.readClip(0);
    await before.close();

    // "Re-extracted": other pixels in shard 0, every file the same size as before.
    const second = path.join(freshDir(), 'cache');
    fs.cpSync(first, second, { recursive: true });
    const bin = path.join(second, 'shard-00000.bin');
    const bytes = fs.readFileSync(bin);
    for (let i = 0; i < bytes.length; i++) bytes[i] = 255 - (bytes[i] as number);
    fs.writeFileSync(bin, bytes);
    const sidecar = path.join(second, 'shard-00000.json');
    const record = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { sha256: string };
    for (const file of [sidecar, path.join(second, 'index.json')])
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(record.sha256, sha(bin)));
    assert.equal(fs.statSync(sidecar).size, fs.statSync(path.join(first, 'shard-00000.json')).size);
    await upload(second);

    const after = await openS3ClipCache({ source: 's3://cache/same-size', localDir: local, endpoint: s3.endpoint });
    const reference = openClipCache(second);
    assert.deepEqual((await after.readClip(0)).data, (await reference.readClip(0)).data);
    await after.close();
    await reference.close();
  });
});
