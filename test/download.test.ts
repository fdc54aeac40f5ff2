/**
 * `actlab fetch-dataset` against a local HTTP server serving tiny archives in
 * the real layouts: resume after a dropped connection, checksums, damaged
 * archives, RAR detection, and the layout check with the dataset readers.
 */
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as tar from 'tar';

import { DownloadError, downloadFile, extractArchive, fetchDataset } from '../src/lib/download';
import { lastJson, makeTestVideo } from './helpers/fixtures';
import { makeZip, startHttp, type TestHttp } from './helpers/http-server';
import { freshDir, runCliAsync } from './helpers/run-async';

let server: TestHttp;
const fixtures = freshDir();
const sha = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

interface FetchJson {
  dataset: string;
  root: string;
  layout: string;
  items: number;
  classes: number;
  downloads: Array<{ source: string; bytes: number; resumed_from: number; retries: number; already_done: boolean }>;
  complete: boolean;
}

async function tarOf(dir: string, entries: string[], gzip = true): Promise<Buffer> {
  const file = path.join(freshDir(), gzip ? 'a.tar.gz' : 'a.tar');
  await tar.create({ cwd: dir, file, gzip, portable: true }, entries);
  return fs.readFileSync(file);
}

/** UCF101 in its real shape: UCF-101/<Class>/v_<Class>_gGG_cCC.avi + ucfTrainTestlist/*.txt (zip). */
async function ucf101Archives(): Promise<{ videos: Buffer; splits: Buffer }> {
  const dir = path.join(fixtures, 'ucf');
  const names: string[] = [];
  for (const cls of ['ApplyEyeMakeup', 'Biking']) {
    for (const g of ['01', '02', '08']) {
      const name = `v_${cls}_g${g}_c01.avi`;
      makeTestVideo(path.join(dir, 'UCF-101', cls, name), { frames: 4, width: 32, height: 24 });
      names.push(`${cls}/${name}`);
    }
  }
  const videos = await tarOf(dir, ['UCF-101']);
  const list = (f: (n: string) => boolean, withLabel: boolean) =>
    Buffer.from(
      names
        .filter(f)
        .map((n) => (withLabel ? `${n} ${n.startsWith('Apply') ? 1 : 2}` : n))
        .join('\r\n') + '\r\n',
    );
  const train = (n: string): boolean => !n.includes('_g01_');
  const splits = makeZip([
    ['ucfTrainTestlist/', Buffer.alloc(0)],
    ['ucfTrainTestlist/classInd.txt', Buffer.from('1 ApplyEyeMakeup\r\n2 Biking\r\n')],
    ['ucfTrainTestlist/trainlist01.txt', list(train, true)],
    ['ucfTrainTestlist/testlist01.txt', list((n) => !train(n), false)],
  ]);
  return { videos, splits };
}

before(async () => {
  server = await startHttp();
  const ucf = await ucf101Archives();
  server.files.set('/ucf/UCF101.rar', ucf.videos); // named like the real one; the content decides the format
  server.files.set('/ucf/splits.zip', ucf.splits);
});
after(async () => {
  await server.close();
});

describe('fetch-dataset', () => {
  test('UCF101: a dropped connection resumes to the identical file; unpacked and checked by the ucf101 reader', async () => {
    const videos = server.files.get('/ucf/UCF101.rar') as Buffer;
    server.dropAfter.set('/ucf/UCF101.rar', { bytes: Math.floor(videos.length / 2), times: 1 });
    const out = freshDir();
    const args = ['fetch-dataset', 'ucf101', '--out', out, '--videos-url', `${server.url}/ucf/UCF101.rar`];
    const urls = ['--splits-url', `${server.url}/ucf/splits.zip`, '--videos-sha256', sha(videos), '--json'];
    const run = await runCliAsync([...args, ...urls]);
    assert.equal(run.code, 0, run.stderr);
    const json = lastJson<FetchJson>(run.stdout);
    assert.deepEqual([json.layout, json.items, json.classes, json.complete], ['ucf101', 6, 2, true]);
    assert.equal(json.downloads[0]?.retries, 1, 'one dropped connection, recovered');
    assert.ok(
      server.log.some((r) => r.path === '/ucf/UCF101.rar' && r.range === `bytes=${Math.floor(videos.length / 2)}-`),
    );
    assert.equal(sha(fs.readFileSync(path.join(out, 'downloads', 'UCF101.rar'))), sha(videos));
    assert.ok(fs.existsSync(path.join(out, 'ucf101', 'ucfTrainTestlist', 'classInd.txt')));
    assert.ok(fs.existsSync(path.join(out, 'ucf101', 'UCF-101', 'Biking', 'v_Biking_g08_c01.avi')));

    const requests = server.log.length;
    const again = await runCliAsync([...args, ...urls]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(lastJson<FetchJson>(again.stdout).downloads.every((d) => d.already_done));
    assert.equal(server.log.length, requests, 'a finished dataset is not fetched again');
  });

  test('a run stopped mid-file keeps the .part; the next run resumes with Range to the identical file', async () => {
    const data = crypto.randomBytes(300_000);
    server.files.set('/big.bin', data);
    server.dropAfter.set('/big.bin', { bytes: 120_000, times: 1 });
    const file = path.join(freshDir(), 'big.bin');
    // The server sends 120,000 bytes, then drops the connection. Bytes still queued in the
    // client's stream when the drop arrives are discarded, so under load fewer may be kept:
    // what matters is that the message, the .part and the resume all agree on one number.
    let kept = -1;
    await assert.rejects(downloadFile({ url: `${server.url}/big.bin`, file, retries: 0 }), (error: Error) => {
      assert.ok(error instanceof DownloadError);
      const match = /; (\d+) bytes kept in .*big\.bin\.part, re-run to resume$/.exec(error.message);
      assert.ok(match, error.message);
      kept = Number(match[1]);
      return true;
    });
    assert.ok(kept > 0 && kept <= 120_000, `kept ${kept} bytes`);
    assert.equal(fs.statSync(`${file}.part`).size, kept);
    assert.ok(!fs.existsSync(file), 'nothing is reported done');
    const resumed = await downloadFile({
      url: `${server.url}/big.bin`,
      file,
      checksum: { algorithm: 'sha256', hex: sha(data) },
    });
    assert.equal(resumed.resumedFrom, kept);
    assert.ok(server.log.some((r) => r.path === '/big.bin' && r.range === `bytes=${kept}-`));
    assert.deepEqual(fs.readFileSync(file), data);
  });

  test('a corrupted archive: clear errors, the download kept, nothing reported done', async () => {
    const good = server.files.get('/ucf/splits.zip') as Buffer;
    const bad = Buffer.from(good);
    bad.fill(0x55, 60, bad.length - 30); // garble entries and the central directory
    server.files.set('/bad/splits.zip', bad);
    const out = freshDir();
    const base = ['fetch-dataset', 'ucf101', '--out', out, '--videos-url', `${server.url}/ucf/UCF101.rar`, '--json'];

    // With the checksum of the good file: refused before unpacking, bytes kept as .part.
    const checked = await runCliAsync([
      ...base,
      '--splits-url',
      `${server.url}/bad/splits.zip`,
      '--splits-sha256',
      sha(good),
    ]);
    assert.equal(checked.code, 1);
    assert.match(
      checked.stderr,
      /^actlab: http:\/\/127\.0\.0\.1:\d+\/bad\/splits\.zip: sha256 of the download is [0-9a-f]{64}, expected [0-9a-f]{64}; the file is kept as .*RecognitionTask\.zip\.part\. If the URL serves a newer version, pass its checksum/m,
    );
    assert.ok(fs.existsSync(path.join(out, 'downloads', 'UCF101TrainTestSplits-RecognitionTask.zip.part')));
    assert.equal(checked.stdout, '', 'no JSON result: nothing is done');

    // Without a checksum: the unpack fails and names the archive; it is kept, the dataset is not done.
    const out2 = freshDir();
    const unchecked = await runCliAsync([
      'fetch-dataset',
      'ucf101',
      '--out',
      out2,
      '--videos-url',
      `${server.url}/ucf/UCF101.rar`,
      '--splits-url',
      `${server.url}/bad/splits.zip`,
    ]);
    assert.equal(unchecked.code, 1);
    assert.match(
      unchecked.stderr,
      /^actlab: .*UCF101TrainTestSplits-RecognitionTask\.zip: the zip archive is damaged \(.*\); delete it and re-run/m,
    );
    assert.ok(fs.existsSync(path.join(out2, 'downloads', 'UCF101TrainTestSplits-RecognitionTask.zip')));
    const state = JSON.parse(fs.readFileSync(path.join(out2, '.actlab-fetch.json'), 'utf8')) as {
      complete: boolean;
      unpacked: object;
    };
    assert.equal(state.complete, false);
    assert.deepEqual(Object.keys(state.unpacked), ['videos']);
    assert.ok(!fs.existsSync(path.join(out2, '.unpacking-splits')), 'no half-unpacked folder left');
  });

  test('HMDB51: per-class archives inside the archive, split 1 as manifest.json; RAR needs unrar or bsdtar', async () => {
    const dir = path.join(fixtures, 'hmdb');
    const inner = path.join(dir, 'inner');
    const splitsDir = path.join(dir, 'splits', 'testTrainMulti_7030_splits');
    fs.mkdirSync(splitsDir, { recursive: true });
    for (const cls of ['brush_hair', 'wave']) {
      const lines: string[] = [];
      for (const [k, code] of [
        [0, 1],
        [1, 1],
        [2, 2],
        [3, 0],
      ] as const) {
        const name = `${cls}_person${k}_f_cm_np1_fr_med_${k}.avi`;
        makeTestVideo(path.join(dir, 'classes', cls, name), { frames: 3, width: 32, height: 24 });
        lines.push(`${name} ${code} `);
      }
      fs.writeFileSync(path.join(splitsDir, `${cls}_test_split1.txt`), lines.join('\n') + '\n');
      fs.mkdirSync(inner, { recursive: true });
      fs.writeFileSync(path.join(inner, `${cls}.rar`), await tarOf(path.join(dir, 'classes'), [cls], false));
    }
    server.files.set('/hmdb/hmdb51_org.rar', await tarOf(inner, ['brush_hair.rar', 'wave.rar'], false));
    server.files.set(
      '/hmdb/test_train_splits.rar',
      await tarOf(path.join(dir, 'splits'), ['testTrainMulti_7030_splits']),
    );
    const out = freshDir();
    const result = await fetchDataset({
      dataset: 'hmdb51',
      out,
      urls: { videos: `${server.url}/hmdb/hmdb51_org.rar`, splits: `${server.url}/hmdb/test_train_splits.rar` },
    });
    assert.deepEqual([result.layout, result.items, result.classes], ['folder', 8, 2]);
    const { loadDataset } = await import('../src/lib/data');
    const splits = loadDataset(result.root).items.map((i) => i.split ?? 'none');
    assert.deepEqual(splits.filter((s) => s === 'train').length, 4);
    assert.deepEqual(splits.filter((s) => s === 'test').length, 2);

    const rar = path.join(freshDir(), 'x.rar');
    fs.writeFileSync(rar, Buffer.concat([Buffer.from('Rar!\x1a\x07\x00', 'latin1'), Buffer.alloc(64)]));
    const saved = process.env.ACTLAB_UNRAR;
    process.env.ACTLAB_UNRAR = '/nonexistent/unrar';
    try {
      await assert.rejects(
        extractArchive(rar, freshDir()),
        /x\.rar is a RAR archive\. RAR archives need an external tool: install unrar .* or bsdtar/,
      );
    } finally {
      if (saved === undefined) delete process.env.ACTLAB_UNRAR;
      else process.env.ACTLAB_UNRAR = saved;
    }
  });

  test('indoor objects: a Mendeley-style zip with nested folders, checked as image folders', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const entries: Array<[string, Buffer]> = [];
    for (const cls of ['chair', 'door', 'table'])
      for (let i = 0; i < 3; i++) entries.push([`Indoor Objects/images/${cls}/${cls}_${i}.png`, png]);
    server.files.set('/mendeley/download.zip', makeZip(entries));
    const out = freshDir();
    const run = await runCliAsync([
      'fetch-dataset',
      'indoor-objects',
      '--out',
      out,
      '--images-url',
      `${server.url}/mendeley/download.zip`,
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const json = lastJson<FetchJson>(run.stdout);
    assert.deepEqual([json.layout, json.items, json.classes], ['image-folder', 9, 3]);
    assert.equal(json.root, path.join(out, 'indoor-objects', 'Indoor Objects', 'images'));
    const missingUrl = await runCliAsync(['fetch-dataset', 'indoor-objects', '--out', freshDir()]);
    assert.equal(missingUrl.code, 1);
    assert.match(missingUrl.stderr, /^actlab: indoor-objects needs --images-url: /m);
  });

  test('Kinetics subset: a user fetch command, trimmed to time_start..time_end and filed by class; failures listed and retried', async () => {
    const src = path.join(fixtures, 'youtube');
    makeTestVideo(path.join(src, 'abcdefghijk.mp4'), { frames: 40, fps: 10 });
    makeTestVideo(path.join(src, 'lmnopqrstuv.mp4'), { frames: 40, fps: 10 });
    const csv = path.join(fixtures, 'k.csv');
    fs.writeFileSync(
      csv,
      'label,youtube_id,time_start,time_end,split\n' +
        '"riding a bike",abcdefghijk,1,3,train\n' +
        'waving,lmnopqrstuv,0,2,val\n' +
        'waving,gonegonegone,5,15,train\n' +
        'waving,zzzzzzzzzzz,0,10,train\n',
    );
    const out = freshDir();
    const args = ['fetch-dataset', 'kinetics', '--out', out, '--csv', csv, '--per-class', '2', '--json'];
    const run = await runCliAsync([...args, '--fetch-cmd', `cp ${src}/{id}.mp4 {out}/`]);
    assert.equal(run.code, 1, 'one row failed');
    const json = lastJson<{ rows: number; fetched: number; failed: number; items: number; complete: boolean }>(
      run.stdout,
    );
    assert.deepEqual([json.rows, json.fetched, json.failed, json.items, json.complete], [3, 2, 1, 2, false]);
    assert.match(run.stderr, /^failed: gonegonegone: sh exited with 1: cp: .*gonegonegone\.mp4/m);
    const clip = path.join(out, 'riding_a_bike', 'abcdefghijk_000001_000003.mp4');
    const { probe } = await import('../src/lib/video');
    const info = await probe(clip, { countFrames: true });
    assert.equal(info.frames, 20, '2 s at 10 fps');
    assert.match(fs.readFileSync(path.join(out, 'failures.csv'), 'utf8'), /^gonegonegone,/m);

    makeTestVideo(path.join(src, 'gonegonegone.mp4'), { frames: 160, fps: 10 });
    const again = await runCliAsync([...args, '--fetch-cmd', `cp ${src}/{id}.mp4 {out}/`]);
    assert.equal(again.code, 0, again.stderr);
    const j2 = lastJson<{ fetched: number; skipped: number; items: number }>(again.stdout);
    assert.deepEqual([j2.fetched, j2.skipped, j2.items], [1, 2, 3]);
    assert.ok(!fs.existsSync(path.join(out, 'failures.csv')));
  });
});
