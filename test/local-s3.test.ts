/** `upload.startLocalS3` (the upload chapter's server) and `upload.estimateUpload`. */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
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

/** Sends a raw, unsigned request (s3rver serves anonymous ones) with the path exactly as given. */
function rawRequest(
  endpoint: string,
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // host/port/path, not a URL string: a URL would resolve the ".." segments before sending.
    const { hostname, port } = new URL(endpoint);
    const request = http.request({ hostname, port, path: rawPath, method, headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end(method === 'PUT' ? 'escaped\n' : undefined);
  });
}

interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `script` in a fresh Node process; `onFirstLine` gets its first stdout line
 * (and the child, to signal it). SIGKILLed after 20 s so a hang fails the test.
 */
function runChild(
  script: string,
  onFirstLine: (line: string, child: ReturnType<typeof spawn>) => void,
): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script]);
    let stdout = '';
    let stderr = '';
    let seen = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!seen && stdout.includes('\n')) {
        seen = true;
        onFirstLine(stdout.split('\n')[0] as string, child);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const UPLOAD_LIB = require.resolve('../src/lib/upload');

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

describe('startLocalS3 keeps to its folder (issue 22, principle 7)', () => {
  test('a key, bucket, upload id or copy source with ".." is refused with an S3 error; nothing lands outside', async () => {
    const server = await startLocalS3();
    const tag = `actlab-escape-${process.pid}-${Date.now()}`;
    const outside = (): string[] => fs.readdirSync(os.tmpdir()).filter((name) => name.includes(tag));
    try {
      const hostile: Array<[string, string, Record<string, string>?]> = [
        ['PUT', `/actlab/x/../../../${tag}-key`],
        ['PUT', `/actlab/%2E%2E/%2E%2E/${tag}-encoded`],
        ['PUT', `/../${tag}-bucket`],
        ['PUT', `/actlab/k?partNumber=1&uploadId=../../../${tag}-upload`],
        ['PUT', '/actlab/copied', { 'x-amz-copy-source': `/actlab/../../../${tag}-source` }],
      ];
      for (const [method, rawPath, headers] of hostile) {
        const response = await rawRequest(server.endpoint, method, rawPath, headers);
        assert.deepEqual(outside(), [], `${method} ${rawPath} wrote nothing outside ${server.directory}`);
        assert.equal(response.status, 400, `${method} ${rawPath}: ${response.body}`);
        assert.match(response.body, /<Code>InvalidArgument<\/Code>/);
        assert.match(response.body, /stores each key as a file in its folder/);
      }
      // An ordinary key with dots in its names still works.
      assert.equal((await rawRequest(server.endpoint, 'PUT', '/actlab/a..b/.hidden/c.d')).status, 200);
    } finally {
      for (const name of outside()) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
      await server.close();
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} removes the folder and still ends the process by ${signal}`, async () => {
      const script = `
        const { startLocalS3 } = require(${JSON.stringify(UPLOAD_LIB)});
        startLocalS3().then((server) => {
          console.log(server.directory);
          setInterval(() => {}, 1000); // keep running until signalled
        });`;
      let directory = '';
      const run = await runChild(script, (line, child) => {
        directory = line;
        assert.ok(fs.existsSync(directory), 'the folder exists while the server runs');
        child.kill(signal);
      });
      assert.equal(fs.existsSync(directory), false, `${signal} left ${directory} behind`);
      assert.deepEqual([run.signal, run.code], [signal, null], `killed by ${signal}, not swallowed: ${run.stderr}`);
    });
  }

  test("with the program's own SIGINT handler, that handler decides: the folder stays until the process exits", async () => {
    const script = `
      const fs = require('node:fs');
      const { startLocalS3 } = require(${JSON.stringify(UPLOAD_LIB)});
      startLocalS3().then((server) => {
        process.on('SIGINT', () => {
          console.log(JSON.stringify({ keptOnInterrupt: fs.existsSync(server.directory) }));
          process.exit(7);
        });
        console.log(server.directory);
        setInterval(() => {}, 1000);
      });`;
    const run = await runChild(script, (_line, child) => child.kill('SIGINT'));
    const [directory, report] = run.stdout.trim().split('\n');
    assert.equal(run.code, 7, run.stderr);
    assert.deepEqual(JSON.parse(report as string), { keptOnInterrupt: true });
    assert.equal(fs.existsSync(directory as string), false);
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
