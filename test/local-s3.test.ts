/** `upload.startLocalS3` (the upload chapter's server) and `upload.estimateUpload`. */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { downloadDirectory, estimateUpload, startLocalS3, uploadDirectory } from '../src/lib/upload';
import { freshDir } from './helpers/run-async';
import { writeSmallFiles } from './helpers/s3-server';

/** Resolves with the error code of a TCP connect to 127.0.0.1:`port` ('connected' when it succeeds). */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Listens on `port` and closes again: proves nothing holds it. */
function listenOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

const portOf = (endpoint: string): number => Number(new URL(endpoint).port);

describe('startLocalS3', () => {
  test('serves a real S3 API: an upload round-trips, requests and writes are counted', async () => {
    const server = await startLocalS3({ buckets: ['first', 'second'] });
    try {
      assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.bucket, 'first');
      assert.deepEqual(server.connection, {
        endpoint: server.endpoint,
        region: 'us-east-1',
        credentials: server.credentials,
      });
      const created: string[] = [];
      server.onObjectCreated((bucket, key) => created.push(`${bucket}/${key}`));
      const dir = freshDir();
      writeSmallFiles(dir, 12, 300);
      const before = server.requests();
      const up = await uploadDirectory({
        ...server.connection,
        dir,
        destination: 's3://second/set',
        mode: 'as-is',
        stateDir: freshDir(),
      });
      assert.equal(up.uploaded, 12);
      // HeadBucket + one ListObjectsV2 page + one PUT per file.
      assert.equal(server.requests() - before, 2 + 12);
      assert.equal(created.length, 12);
      assert.ok(created.every((k) => k.startsWith('second/set/class')));
      const back = freshDir();
      await downloadDirectory({ ...server.connection, source: 's3://second/set', dir: back, stateDir: freshDir() });
      const names = fs.readdirSync(path.join(dir, 'class3'));
      for (const name of names) {
        assert.deepEqual(
          fs.readFileSync(path.join(back, 'class3', name)),
          fs.readFileSync(path.join(dir, 'class3', name)),
        );
      }
    } finally {
      await server.close();
    }
  });

  test('close frees the port and deletes the folder; a second close does nothing', async () => {
    const server = await startLocalS3();
    const port = portOf(server.endpoint);
    assert.equal(await connect(port), 'connected');
    assert.ok(fs.existsSync(server.directory));
    await server.close();
    await server.close();
    assert.equal(await connect(port), 'ECONNREFUSED');
    await listenOnce(port);
    assert.equal(fs.existsSync(server.directory), false);
  });

  test('a process that never calls close still exits, and the folder goes with it', async () => {
    const lib = require.resolve('../src/lib/upload');
    const dir = freshDir();
    writeSmallFiles(dir, 3, 100);
    const script = `
      const { startLocalS3, uploadDirectory } = require(${JSON.stringify(lib)});
      (async () => {
        const server = await startLocalS3({ buckets: ['kept'] });
        console.log(JSON.stringify({ directory: server.directory }));
        const r = await uploadDirectory({ ...server.connection, dir: ${JSON.stringify(dir)},
          destination: 's3://kept/x', mode: 'as-is', stateDir: ${JSON.stringify(freshDir())} });
        console.log(JSON.stringify({ uploaded: r.uploaded }));
      })();`;
    const run = await new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(process.execPath, ['-e', script]);
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        let killed = false;
        const timer = setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, 20_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, killed, stdout, stderr });
        });
      },
    );
    assert.equal(run.killed, false, `the process was still running after 20 s:\n${run.stdout}${run.stderr}`);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines[1]!.uploaded, 3);
    assert.equal(fs.existsSync(lines[0]!.directory as string), false);
  });

  test('bad buckets and a taken port are refused with the fix', async () => {
    await assert.rejects(startLocalS3({ buckets: [] }), {
      message: 'startLocalS3: give at least one bucket name in buckets',
    });
    await assert.rejects(startLocalS3({ buckets: ['Bad_Name'] }), {
      message: 'startLocalS3: "Bad_Name" is not a bucket name: use 3-63 lowercase letters, digits, dots or dashes',
    });
    await assert.rejects(startLocalS3({ port: 1.5 }), {
      message: 'startLocalS3: port must be a whole number from 0 (any free port) to 65535, got 1.5',
    });
    const server = await startLocalS3();
    try {
      const port = portOf(server.endpoint);
      await assert.rejects(startLocalS3({ port }), {
        message: `startLocalS3: cannot listen on 127.0.0.1:${port} (EADDRINUSE); leave port unset to take a free one`,
      });
    } finally {
      await server.close();
    }
  });
});

describe('estimateUpload', () => {
  test('requests × round trip ÷ concurrency, plus bytes ÷ uplink', () => {
    const estimate = estimateUpload({
      requests: 1000,
      bytes: 5 * 1024 * 1024,
      roundTripMs: 40,
      uplinkMBps: 2,
      concurrency: 4,
    });
    assert.equal(estimate.waitingSeconds, 10);
    assert.equal(estimate.sendingSeconds, 2.5);
    assert.equal(estimate.seconds, 12.5);
    const defaults = estimateUpload({ requests: 8, bytes: 0 });
    assert.equal(defaults.waitingSeconds, 0.1); // 8 × 50 ms ÷ 4
  });

  test('refuses impossible inputs, naming the value', () => {
    assert.throws(() => estimateUpload({ requests: 10, bytes: 1, uplinkMBps: 0 }), {
      message: 'estimateUpload: uplinkMBps must be a non-negative number (concurrency and uplinkMBps above 0), got 0',
    });
    assert.throws(() => estimateUpload({ requests: -1, bytes: 1 }), /requests must be .* got -1$/);
  });
});
