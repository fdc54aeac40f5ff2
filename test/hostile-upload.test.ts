/**
 * Hostile runs of `actlab upload`, `download` and `fetch-dataset` (issue 14,
 * principles 1 and 8; issue 22, principle 7): read-only sources, SIGKILL
 * mid-multipart, files in the way of a download, archives and shards that
 * try to write outside their folder. Real s3rver and HTTP servers on 127.0.0.1.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as tar from 'tar';

import { downloadFile, extractArchive } from '../src/lib/download';
import { createS3Client } from '../src/lib/upload';
import { CLI, lastJson } from './helpers/fixtures';
import { makeZip, startHttp, type TestHttp } from './helpers/http-server';
import { freshDir, runCliAsync } from './helpers/run-async';
import {
  S3_CREDENTIALS,
  startLiteralS3,
  startSilentServer,
  startS3,
  type TestS3,
  writeSmallFiles,
} from './helpers/s3-server';

let s3: TestS3;
let http: TestHttp;
// Transfer state goes to the per-user cache: keep this run's in a temp folder.
const env: NodeJS.ProcessEnv = { ...S3_CREDENTIALS, XDG_CACHE_HOME: freshDir() };

before(async () => {
  s3 = await startS3(['trip', 'packtrip', 'killed', 'changed', 'clash', 'quiet', 'state', 'hostile']);
  http = await startHttp();
});
after(async () => {
  await s3.close();
  await http.close();
});

/** Every entry under `dir`: relative path → SHA-256 of a file, or '/' for a folder. */
function tree(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const relative = path.relative(dir, full);
      if (entry.isDirectory()) {
        found.set(relative, '/');
        visit(full);
      } else found.set(relative, crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  visit(dir);
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** chmod -R a-w (folders 0555, files 0444); returns the undo. Root can still write, so callers also compare trees. */
function makeReadOnly(dir: string): () => void {
  const entries = [...tree(dir).keys()].map((r) => path.join(dir, r));
  for (const entry of [...entries].reverse()) fs.chmodSync(entry, fs.statSync(entry).isDirectory() ? 0o555 : 0o444);
  fs.chmodSync(dir, 0o555);
  return () => {
    fs.chmodSync(dir, 0o755);
    for (const entry of entries) fs.chmodSync(entry, fs.statSync(entry).isDirectory() ? 0o755 : 0o644);
  };
}

/** Multipart part PUTs `bucket` has received so far. */
function partsSent(bucket: string): number {
  const part = new RegExp(`^/${bucket}/.*[?&]partNumber=`);
  return s3.requests.filter((r) => r.method === 'PUT' && part.test(r.url)).length;
}

/** Runs `actlab ...args --concurrency 1` and SIGKILLs it once `bucket` has seen `parts` part PUTs; returns the parts sent. */
async function killAfterParts(args: string[], bucket: string, parts: number): Promise<number> {
  const child = spawn(process.execPath, [CLI, ...args, '--concurrency', '1'], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    // Killed from the server's request handler: no polling lag, so the count is exact.
    const stop = s3.onRequest(() => {
      if (partsSent(bucket) < parts) return;
      stop();
      child.kill('SIGKILL');
      resolve();
    });
    child.once('exit', () => {
      stop();
      reject(new Error('the upload finished before it could be killed; make the file bigger'));
    });
  });
  await exited;
  await new Promise((resolve) => setTimeout(resolve, 200)); // let in-flight requests land
  return partsSent(bucket);
}

/** `actlab download URL` into a fresh folder; the bytes of `name` in it. */
async function downloadOne(url: string, name: string): Promise<Buffer> {
  const back = freshDir();
  const down = await runCliAsync(['download', url, back, '--endpoint', s3.endpoint], env);
  assert.equal(down.code, 0, down.stderr);
  return fs.readFileSync(path.join(back, name));
}

async function roundTrip(bucket: string, extra: string[]): Promise<void> {
  const source = freshDir();
  writeSmallFiles(source, 30);
  fs.writeFileSync(path.join(source, 'odd name ü.txt'), 'hello\n');
  fs.writeFileSync(path.join(source, 'class0', 'big.bin'), crypto.randomBytes(11 * 1024 * 1024)); // 3 parts of 5 MiB
  const before = tree(source);
  const undo = makeReadOnly(source);
  try {
    const up = await runCliAsync(
      ['upload', source, `s3://${bucket}/p`, '--endpoint', s3.endpoint, '--part-size', '5', ...extra, '--json'],
      env,
    );
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(tree(source), before, 'upload wrote nothing into the source folder');
    const back = freshDir();
    const down = await runCliAsync(['download', `s3://${bucket}/p`, back, '--endpoint', s3.endpoint, '--json'], env);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(tree(back), before, 'the downloaded tree is the uploaded one: same names, same bytes');
    const again = await runCliAsync(['download', `s3://${bucket}/p`, back, '--endpoint', s3.endpoint, '--json'], env);
    assert.equal(lastJson<{ downloaded: number }>(again.stdout).downloaded, 0, 'a second download fetches nothing');
    assert.deepEqual(tree(back), before);
  } finally {
    undo();
  }
}

describe("principle 8: uploads leave the user's folders alone", () => {
  test('upload from a read-only folder round-trips to an identical tree', async () => {
    await roundTrip('trip', ['--as-is']);
  });

  test('a packed upload from a read-only folder round-trips to an identical tree', async () => {
    await roundTrip('packtrip', ['--pack']);
  });

  test('a SIGKILLed multipart upload resumes its parts on the rerun and leaves no unfinished upload', async () => {
    const source = freshDir();
    const big = path.join(source, 'big.bin');
    fs.writeFileSync(big, crypto.randomBytes(60 * 1024 * 1024)); // 12 parts of 5 MiB
    const args = ['upload', source, 's3://killed/k', '--endpoint', s3.endpoint, '--part-size', '5'];
    const firstRun = await killAfterParts(args, 'killed', 6);
    assert.ok(firstRun >= 6 && firstRun < 12, `the killed run sent ${firstRun} parts`);
    assert.equal(s3.unfinishedUploads('killed'), 1, 'the kill left an unfinished upload');

    const rerun = await runCliAsync([...args, '--json'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    const resent = partsSent('killed') - firstRun;
    assert.ok(resent <= 12 - firstRun + 1, `the rerun sent ${resent} parts; the killed run had sent ${firstRun} of 12`);
    assert.ok(lastJson<{ bytes_uploaded: number }>(rerun.stdout).bytes_uploaded < 60 * 1024 * 1024);
    assert.equal(s3.unfinishedUploads('killed'), 0, 'no unfinished multipart upload is left on the server');
    assert.ok((await downloadOne('s3://killed/k', 'big.bin')).equals(fs.readFileSync(big)), 'the object is the file');
  });

  test('a file rewritten between a SIGKILLed upload and the rerun goes up whole, not spliced from old parts', async () => {
    const source = freshDir();
    const big = path.join(source, 'big.bin');
    fs.writeFileSync(big, crypto.randomBytes(30 * 1024 * 1024)); // 6 parts of 5 MiB
    const args = ['upload', source, 's3://changed/c', '--endpoint', s3.endpoint, '--part-size', '5'];
    const firstRun = await killAfterParts(args, 'changed', 3);
    assert.ok(firstRun < 6, `the killed run sent ${firstRun} parts`);
    const rewritten = crypto.randomBytes(30 * 1024 * 1024); // same size, other bytes
    fs.writeFileSync(big, rewritten);
    const rerun = await runCliAsync([...args, '--json'], env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(lastJson<{ bytes_uploaded: number }>(rerun.stdout).bytes_uploaded, 30 * 1024 * 1024);
    assert.ok((await downloadOne('s3://changed/c', 'big.bin')).equals(rewritten), 'the object is the new file');
  });

  test('an S3 command on Node < 22 prints no AWS SDK Node-version notice', async () => {
    const source = freshDir();
    writeSmallFiles(source, 2);
    const up = await runCliAsync(['upload', source, 's3://quiet/q', '--endpoint', s3.endpoint], env);
    assert.equal(up.code, 0, up.stderr);
    assert.doesNotMatch(up.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
    const down = await runCliAsync(['download', 's3://quiet/q', freshDir(), '--endpoint', s3.endpoint], env);
    assert.doesNotMatch(down.stderr, /NodeVersionSupportWarning|AWS SDK for JavaScript/);
  });
});

describe("transfer state lives outside the user's folders, and its own failures are one line", () => {
  test('upload with --state-dir inside the source folder is refused in one line and writes nothing', async () => {
    const source = freshDir();
    writeSmallFiles(source, 2);
    const before = tree(source);
    const run = await runCliAsync(
      ['upload', source, 's3://state/a', '--endpoint', s3.endpoint, '--state-dir', path.join(source, 'st')],
      env,
    );
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.trim(),
      `actlab: the state folder ${path.join(source, 'st')} is inside the folder to upload ${source}; ` +
        'choose one outside it (or leave it unset)',
    );
    assert.deepEqual(tree(source), before);
  });

  test('upload whose state folder cannot be made (XDG_CACHE_HOME is a file) fails in one line naming it', async () => {
    const source = freshDir();
    writeSmallFiles(source, 2);
    const notAFolder = path.join(freshDir(), 'cache-file');
    fs.writeFileSync(notAFolder, '');
    const run = await runCliAsync(['upload', source, 's3://state/b', '--endpoint', s3.endpoint], {
      ...env,
      XDG_CACHE_HOME: notAFolder,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr.trim(),
      new RegExp(
        `^actlab: cannot write transfer state to ${notAFolder}/actlab/uploads/[0-9a-f]{16} \\(ENOTDIR\\); ` +
          'set XDG_CACHE_HOME to a writable folder or pass --state-dir$',
      ),
    );
  });

  test('upload --dry-run writes no state anywhere', async () => {
    const source = freshDir();
    writeSmallFiles(source, 2);
    const cache = freshDir();
    const run = await runCliAsync(['upload', source, 's3://state/c', '--endpoint', s3.endpoint, '--dry-run'], {
      ...env,
      XDG_CACHE_HOME: cache,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(fs.readdirSync(cache), []);
  });

  test('download into a path that is a file fails in one line', async () => {
    const source = freshDir();
    writeSmallFiles(source, 2);
    assert.equal((await runCliAsync(['upload', source, 's3://state/d', '--endpoint', s3.endpoint], env)).code, 0);
    const file = path.join(freshDir(), 'a-file');
    fs.writeFileSync(file, 'x');
    const run = await runCliAsync(['download', 's3://state/d', file, '--endpoint', s3.endpoint], env);
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim(), `actlab: ${file} is a file, not a folder: give the folder to download into`);
  });

  test('a downloaded folder deleted and downloaded again comes back whole (packed shards too)', async () => {
    const source = freshDir();
    writeSmallFiles(source, 6);
    fs.writeFileSync(path.join(source, 'big.bin'), crypto.randomBytes(9 * 1024 * 1024)); // as-is next to the shards
    const up = await runCliAsync(['upload', source, 's3://state/e', '--endpoint', s3.endpoint, '--pack'], env);
    assert.equal(up.code, 0, up.stderr);
    const back = path.join(freshDir(), 'back');
    const args = ['download', 's3://state/e', back, '--endpoint', s3.endpoint];
    assert.equal((await runCliAsync(args, env)).code, 0);
    fs.rmSync(back, { recursive: true });
    const again = await runCliAsync(args, env);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(tree(back), tree(source));
  });

  test('hard-linked files (a `cp -al` copy) are packed as whole files and come back whole', async () => {
    const source = freshDir();
    writeSmallFiles(source, 4);
    const names = [...tree(source).keys()].filter((name) => name.endsWith('.jpg'));
    for (const name of names) fs.linkSync(path.join(source, name), path.join(source, `${name}.copy.jpg`));
    const up = await runCliAsync(['upload', source, 's3://state/hard', '--endpoint', s3.endpoint, '--pack'], env);
    assert.equal(up.code, 0, up.stderr);
    const back = path.join(freshDir(), 'back');
    const down = await runCliAsync(['download', 's3://state/hard', back, '--endpoint', s3.endpoint], env);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(tree(back), tree(source));
    for (const name of names)
      assert.equal(fs.statSync(path.join(back, `${name}.copy.jpg`)).nlink, 1, `${name}: a file`);
  });
});

describe('principle 1: a download never destroys what the user had', () => {
  test('download over a different file of the same name refuses, names it and --overwrite, and keeps it', async () => {
    const source = freshDir();
    writeSmallFiles(source, 3);
    const up = await runCliAsync(['upload', source, 's3://clash/c', '--endpoint', s3.endpoint, '--as-is'], env);
    assert.equal(up.code, 0, up.stderr);
    const back = freshDir();
    const mine = path.join(back, 'class1', 'frame_00001.jpg');
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, 'my own notes\n');
    const same = path.join(back, 'class0', 'frame_00000.jpg');
    fs.mkdirSync(path.dirname(same), { recursive: true });
    fs.copyFileSync(path.join(source, 'class0', 'frame_00000.jpg'), same);

    const down = await runCliAsync(['download', 's3://clash/c', back, '--endpoint', s3.endpoint], env);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr.trim().split('\n').at(-1),
      `actlab: ${mine} already exists and differs from s3://clash/c/class1/frame_00001.jpg; actlab did not write it, ` +
        'so it is kept: move it away, or pass --overwrite (overwrite: true) to replace it',
    );
    assert.equal(fs.readFileSync(mine, 'utf8'), 'my own notes\n');

    const forced = await runCliAsync(
      ['download', 's3://clash/c', back, '--endpoint', s3.endpoint, '--overwrite', '--json'],
      env,
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(
      lastJson<{ downloaded: number }>(forced.stdout).downloaded,
      2,
      'the identical file is kept, not fetched',
    );
    assert.deepEqual(tree(back), tree(source));
  });

  test('a packed download refuses to unpack over a different file', async () => {
    const source = freshDir();
    writeSmallFiles(source, 5);
    const up = await runCliAsync(['upload', source, 's3://clash/pk', '--endpoint', s3.endpoint, '--pack'], env);
    assert.equal(up.code, 0, up.stderr);
    const back = freshDir();
    const mine = path.join(back, 'class2', 'frame_00002.jpg');
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, 'mine\n');
    const down = await runCliAsync(['download', 's3://clash/pk', back, '--endpoint', s3.endpoint], env);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /^actlab: .*class2\/frame_00002\.jpg already exists and differs from its copy in s3:\/\/clash\/pk\/_actlab_pack\/shard-00000\.tar; .*--overwrite/m,
    );
    assert.equal(fs.readFileSync(mine, 'utf8'), 'mine\n');
    const forced = await runCliAsync(
      ['download', 's3://clash/pk', back, '--endpoint', s3.endpoint, '--overwrite'],
      env,
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(tree(back), tree(source));
  });

  test('fetch-dataset into a folder holding an edited file refuses to replace it without --overwrite', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const entries: Array<[string, Buffer]> = [];
    for (const cls of ['chair', 'door'])
      for (let i = 0; i < 2; i++) entries.push([`images/${cls}/${cls}_${i}.png`, png]);
    http.files.set('/indoor.zip', makeZip(entries));
    const out = freshDir();
    const mine = path.join(out, 'indoor-objects', 'images', 'door', 'door_1.png');
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, 'my edited image\n');
    const args = ['fetch-dataset', 'indoor-objects', '--out', out, '--images-url', `${http.url}/indoor.zip`];
    const run = await runCliAsync(args, env);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /^actlab: .*door_1\.png already exists and differs from its copy in .*indoor-objects\.zip; it is kept: move it away, or pass --overwrite/m,
    );
    assert.equal(fs.readFileSync(mine, 'utf8'), 'my edited image\n');
    const forced = await runCliAsync([...args, '--overwrite'], env);
    assert.equal(forced.code, 0, forced.stderr);
    assert.ok(fs.readFileSync(mine).equals(png));
  });
});

/** An outside folder holding `victim.txt`, and a destination holding `dirlink` → that folder and `filelink` → the file. */
function plantLinks(): { outside: string; dest: string } {
  const base = freshDir();
  const outside = path.join(base, 'outside');
  const dest = path.join(base, 'dest');
  fs.mkdirSync(outside);
  fs.mkdirSync(dest);
  fs.writeFileSync(path.join(outside, 'victim.txt'), 'precious\n');
  fs.symlinkSync(outside, path.join(dest, 'dirlink'));
  fs.symlinkSync(path.join(outside, 'victim.txt'), path.join(dest, 'filelink'));
  return { outside, dest };
}

/** Puts `body` at `key` in the test s3rver's `bucket` with the AWS SDK, as any other client could. */
async function putObject(bucket: string, key: string, body: Buffer | string): Promise<void> {
  const credentials = {
    accessKeyId: S3_CREDENTIALS.AWS_ACCESS_KEY_ID,
    secretAccessKey: S3_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
  };
  const client = createS3Client({ endpoint: s3.endpoint, credentials });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

describe('principle 7: archives and keys never escape their folder', () => {
  test('a zip or tar entry under a symbolic link in the destination is refused in one line; nothing goes through it', async () => {
    const { outside, dest } = plantLinks();
    const zip = path.join(freshDir(), 'links.zip');
    fs.writeFileSync(zip, makeZip([['dirlink/evil.txt', Buffer.from('evil\n')]]));
    const source = freshDir();
    fs.mkdirSync(path.join(source, 'dirlink'));
    fs.writeFileSync(path.join(source, 'dirlink', 'evil.txt'), 'evil\n');
    const tarFile = path.join(freshDir(), 'links.tar');
    await tar.create({ cwd: source, file: tarFile, portable: true }, ['dirlink/evil.txt']);
    for (const archive of [zip, tarFile]) {
      await assert.rejects(extractArchive(archive, dest), {
        name: 'ArchiveError',
        message:
          `${archive}: entry "dirlink/evil.txt" would be written through the symbolic link ${path.join(dest, 'dirlink')}; ` +
          'refusing: remove the link, or unpack into a folder without links',
      });
      assert.deepEqual(fs.readdirSync(outside), ['victim.txt'], `${path.basename(archive)} wrote nothing outside`);
    }
  });

  test('a zip entry named like a symbolic link in the destination replaces the link, not the file it points to', async () => {
    const { outside, dest } = plantLinks();
    const zip = path.join(freshDir(), 'named-like-link.zip');
    fs.writeFileSync(zip, makeZip([['filelink', Buffer.from('from the archive\n')]]));
    assert.equal(await extractArchive(zip, dest), 'zip');
    assert.equal(
      fs.readFileSync(path.join(outside, 'victim.txt'), 'utf8'),
      'precious\n',
      'the linked file is untouched',
    );
    assert.ok(fs.lstatSync(path.join(dest, 'filelink')).isFile(), 'the link became a plain file, as tar does');
    assert.equal(fs.readFileSync(path.join(dest, 'filelink'), 'utf8'), 'from the archive\n');
  });

  test('fetch-dataset --overwrite replaces a symbolic link in its folder instead of writing through it', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    http.files.set(
      '/linked.zip',
      makeZip([
        ['images/chair/chair_0.png', png],
        ['images/door/door_0.png', png],
      ]),
    );
    const out = freshDir();
    const outside = freshDir();
    fs.mkdirSync(path.join(out, 'indoor-objects'), { recursive: true });
    fs.symlinkSync(outside, path.join(out, 'indoor-objects', 'images'));
    const args = ['fetch-dataset', 'indoor-objects', '--out', out, '--images-url', `${http.url}/linked.zip`];
    const run = await runCliAsync([...args, '--overwrite'], env);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing was moved through the link');
    assert.equal(run.code, 0, run.stderr);
    assert.ok(fs.lstatSync(path.join(out, 'indoor-objects', 'images')).isDirectory(), 'the link became a folder');
  });

  test('a pack shard with a ../, absolute, symlink or hardlink entry is refused in one line naming it; nothing escapes or is lost', async () => {
    const members = freshDir();
    const inner = path.join(members, 'inner');
    fs.mkdirSync(path.join(inner, 'class0'), { recursive: true });
    fs.mkdirSync(path.join(inner, 'class1'), { recursive: true });
    fs.writeFileSync(path.join(members, 'evil.txt'), 'evil\n');
    fs.writeFileSync(path.join(inner, 'class0', 'a.jpg'), 'good shard\n');
    fs.writeFileSync(path.join(inner, 'class1', 'b.jpg'), 'hostile shard, harmless member\n');
    fs.symlinkSync(path.join(members, 'evil.txt'), path.join(inner, 'link.jpg'));
    fs.linkSync(path.join(inner, 'class1', 'b.jpg'), path.join(inner, 'hard.jpg'));
    const hostile: Array<[string, string, string]> = [
      ['dotdot', '../evil.txt', 'climbs out of the folder with ".."'],
      ['absolute', path.join(members, 'evil.txt'), 'is an absolute path'],
      ['symlink', 'link.jpg', `is a symbolic link (to "${path.join(members, 'evil.txt')}")`],
      ['hardlink', 'hard.jpg', 'is a hard link (to "class1/b.jpg")'],
    ];
    const shardOf = async (entries: string[]): Promise<Buffer> => {
      const file = path.join(freshDir(), 'shard.tar');
      // sync: node-tar 7.5's async pack can end twice ("write after end") on a hard link and its target
      tar.create({ cwd: inner, file, portable: true, preservePaths: true, sync: true }, entries);
      return fs.readFileSync(file);
    };
    for (const [name, entry, reason] of hostile) {
      await putObject('hostile', `${name}/0-notes.txt`, 'downloaded before the bad shard\n');
      await putObject('hostile', `${name}/_actlab_pack/index.json`, '{}');
      await putObject('hostile', `${name}/_actlab_pack/shard-00000.tar`, await shardOf(['class0/a.jpg']));
      await putObject('hostile', `${name}/_actlab_pack/shard-00001.tar`, await shardOf(['class1/b.jpg', entry]));
      const base = freshDir();
      const back = path.join(base, 'back');
      const stateDir = path.join(base, 'state');
      fs.mkdirSync(back);
      fs.writeFileSync(path.join(back, 'mine.txt'), 'the user had this\n');
      const args = ['download', `s3://hostile/${name}`, back, '--endpoint', s3.endpoint, '--state-dir', stateDir];
      const run = await runCliAsync([...args, '--concurrency', '1'], env); // one at a time: the good shard comes first
      assert.deepEqual(fs.readdirSync(base).sort(), ['back', 'state'], `${name}: nothing written beside the folder`);
      assert.deepEqual(fs.readdirSync(members).sort(), ['evil.txt', 'inner'], `${name}: nothing written outside`);
      assert.doesNotMatch(run.stderr, /^\s+at /m, `${name}: no stack trace`);
      assert.equal(
        run.stderr.trim().split('\n').at(-1),
        `actlab: s3://hostile/${name}/_actlab_pack/shard-00001.tar: entry "${entry}" ${reason}; actlab never packs ` +
          'such entries, so nothing of this shard was unpacked: re-upload the folder with `actlab upload --pack`, ' +
          'or pass --no-unpack (unpack: false) to download the shards as they are',
      );
      assert.equal(run.code, 1);
      assert.deepEqual(
        [...tree(back).keys()],
        ['0-notes.txt', 'class0', 'class0/a.jpg', 'mine.txt'],
        `${name}: what was there and what came before the bad shard are kept; nothing of the bad shard was unpacked`,
      );
      assert.deepEqual(
        fs
          .readdirSync(stateDir, { recursive: true, encoding: 'utf8' })
          .filter((f) => !f.startsWith('manifest-'))
          .sort(),
        ['pack', 'pack/_actlab_pack', 'pack/_actlab_pack/index.json'],
        `${name}: the refused shard is not kept in the state folder`,
      );
    }
  });

  test('a shard key with ../ in it is refused before anything lands in the state folder', async () => {
    const bucket = await startLiteralS3(
      'literal',
      new Map([
        ['p/_actlab_pack/index.json', Buffer.from('{}')],
        ['p/_actlab_pack/../../escaped.txt', Buffer.from('a key that climbs out of pack/\n')],
      ]),
    );
    try {
      const base = freshDir();
      const stateDir = path.join(base, 'state');
      const run = await runCliAsync(
        ['download', 's3://literal/p', path.join(base, 'back'), '--endpoint', bucket.endpoint, '--state-dir', stateDir],
        env,
      );
      assert.equal(fs.existsSync(path.join(stateDir, 'escaped.txt')), false, 'nothing landed in the state folder');
      assert.equal(
        run.stderr.trim().split('\n').at(-1),
        `actlab: s3://literal/p/_actlab_pack/../../escaped.txt: the key leaves ${path.join(stateDir, 'pack')} ` +
          '(it has ".." in it); refusing to write it: delete that object from the bucket (actlab upload never makes such keys)',
      );
      assert.equal(run.code, 1);
    } finally {
      await bucket.close();
    }
  });
});

describe('principle 2: no server holds a command for good', () => {
  // Every request gives up after 300 ms without a byte here (15 s by default); the SDK and downloads retry a bounded number of times.
  const quick = { ...env, ACTLAB_NET_TIMEOUT_MS: '300' };

  test('an S3 endpoint that accepts and never answers fails upload and download in one line naming it', async () => {
    const silent = await startSilentServer();
    try {
      const source = freshDir();
      writeSmallFiles(source, 2);
      for (const args of [
        ['upload', source, 's3://quiet/x', '--endpoint', silent.endpoint],
        ['download', 's3://quiet/x', freshDir(), '--endpoint', silent.endpoint],
      ]) {
        const started = Date.now();
        const run = await runCliAsync(args, quick, 60_000);
        const seconds = (Date.now() - started) / 1000;
        assert.equal(run.code, 1, `${args[0]}: ${run.stderr}`);
        assert.ok(seconds < 30, `${args[0]} took ${seconds} s against a silent server`);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, run.stderr);
        assert.match(
          lines[0] as string,
          new RegExp(
            `^actlab: the S3 endpoint at ${silent.endpoint} stopped answering for s3://quiet.*re-run to resume`,
          ),
        );
      }
    } finally {
      await silent.close();
    }
  });

  test('an S3 object whose body stops half-way fails in one line naming it, and keeps what arrived', async () => {
    const body = crypto.randomBytes(256 * 1024);
    const bucket = await startLiteralS3('stalls', new Map([['p/big.bin', body]]), { stallGetAfter: 100_000 });
    try {
      const dir = freshDir();
      const started = Date.now();
      const run = await runCliAsync(['download', 's3://stalls/p', dir, '--endpoint', bucket.endpoint], quick, 60_000);
      assert.equal(run.code, 1, run.stderr);
      assert.ok((Date.now() - started) / 1000 < 30);
      const failure = run.stderr.split('\n').filter((line) => line.startsWith('actlab:'));
      assert.equal(failure.length, 1, run.stderr);
      assert.match(
        failure[0] as string,
        /^actlab: the S3 endpoint at \S+ stopped answering for s3:\/\/stalls\/p\/big\.bin: .*re-run to resume \(StalledError: no data for 300 ms/,
      );
      assert.equal(fs.statSync(path.join(dir, 'big.bin.part')).size, 100_000, 'the bytes that arrived are kept');
    } finally {
      await bucket.close();
    }
  });

  test('an HTTP download that stalls is retried from where it stopped; one that never answers fails naming the URL', async () => {
    const data = crypto.randomBytes(64 * 1024);
    http.files.set('/stall/data.bin', data);
    http.stallAfter.set('/stall/data.bin', { bytes: 10_000, times: 2 });
    const file = path.join(freshDir(), 'data.bin');
    const done = await downloadFile({ url: `${http.url}/stall/data.bin`, file, stallMs: 300, retryDelayMs: 10 });
    assert.equal(done.retries, 2);
    assert.deepEqual(fs.readFileSync(file), data);
    const ranges = http.log.filter((r) => r.path === '/stall/data.bin').map((r) => r.range ?? '');
    assert.deepEqual(ranges, ['', 'bytes=10000-', 'bytes=20000-']);

    http.files.set('/stall/never.bin', data);
    http.stallAfter.set('/stall/never.bin', { bytes: -1, times: 99 });
    const started = Date.now();
    await assert.rejects(
      downloadFile({
        url: `${http.url}/stall/never.bin`,
        file: path.join(freshDir(), 'never.bin'),
        stallMs: 300,
        retries: 2,
        retryDelayMs: 10,
      }),
      {
        name: 'DownloadError',
        message: new RegExp(
          `^${http.url}/stall/never\\.bin: no data for 300 ms \\(the server stalled\\) after 2 retries; ` +
            '0 bytes kept in .*never\\.bin\\.part, re-run to resume$',
        ),
      },
    );
    assert.ok(Date.now() - started < 5000);
  });
});
