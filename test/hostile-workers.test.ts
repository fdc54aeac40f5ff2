/**
 * Hostile cases for the worker threads (batch readers, conv workers) and the
 * backend that starts them: a dead or hung worker is an error that names it,
 * fast, and never a hang; thread counts stay bounded.
 */
import './helpers/stock-kernels';

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { initBackend } from '../src/lib/backend';
import { ConvThreadsError, convThreads, startConvThreads, stopConvThreads } from '../src/lib/kernels';
import { createClipPipeline } from '../src/lib/pipeline';
import { createBatchWorkers } from '../src/lib/pipeline/worker-pool';
import { runCli, tfjsNodeInstalled } from './helpers/cli';
import { FAULTY_CONV_WORKER, faultNextConvJobs } from './helpers/faulty-conv-worker';
import { tempDir } from './helpers/fixtures';
import { writeClipCache } from './helpers/pipeline-cache';

// These cases are about the wasm kernels' conv workers: the oneDNN pack, where built, would run the
// convolutions natively instead and never reach them (its own tests are test/onednn*.test.ts).
process.env.ACTLAB_NATIVE = '0';

/** `promise`, or a rejection saying it hung if it takes longer than `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** A conv3d big enough to be shared over the workers (with minMacs 0), as [y values]. */
function conv(): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomUniform([4, 4, 8, 8, 3], -1, 1, 'float32', 1);
    const filter = tf.randomUniform([3, 3, 3, 3, 4], -1, 1, 'float32', 2);
    return tf.conv3d(x as tf.Tensor5D, filter as tf.Tensor5D, 1, 'same').dataSync() as Float32Array;
  });
}

describe('principle 5: nothing hangs (batch workers)', () => {
  it('a cache deleted under a pipeline fails the epoch naming the cause, and close() returns', async () => {
    const dir = tempDir();
    writeClipCache(dir, { clips: 12, shape: [4, 8, 8, 3] });
    const pipe = createClipPipeline(dir, { batchSize: 4, workers: 1 });
    fs.rmSync(path.join(dir, 'cache.json')); // the worker opens the cache on its first request
    const epoch = (async () => {
      for await (const batch of pipe.batches) void batch;
    })();
    await assert.rejects(within(5000, 'the epoch', epoch), (error: Error) => {
      assert.match(error.message, /a batch worker thread failed: .*cache\.json not found/);
      return true;
    });
    await within(5000, 'close()', pipe.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('requests after a batch worker died are refused with the cause, not left unanswered', async () => {
    const dir = tempDir(); // not a cache: every worker dies as it starts
    const pool = createBatchWorkers(dir);
    const request = { clips: [0], augs: [], target: { frames: 1, height: 1, width: 1 }, sampleLength: 1 };
    for (const attempt of ['first', 'second']) {
      await assert.rejects(within(5000, `the ${attempt} request`, pool.run(request as never)), (error: Error) => {
        assert.match(error.message, /^a batch worker thread failed: .*cache\.json not found/, attempt);
        return true;
      });
    }
    await within(5000, 'close()', pool.close());
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

// The conv workers serve the wasm backend, which tfjs-node outranks.
const noWasm = tfjsNodeInstalled() && 'tfjs-node is installed here';

describe('principle 5: nothing hangs (conv workers and the backend)', { skip: noWasm }, () => {
  before(async () => {
    await initBackend({ backend: 'wasm', log: null });
  });
  after(async () => {
    await startConvThreads({ threads: 1, minMacs: 4e6 });
  });

  it('a conv worker that exits mid-convolution fails that convolution at once, naming it', async () => {
    faultNextConvJobs('exit', 0);
    await startConvThreads({ threads: 3, minMacs: 0, workerScript: FAULTY_CONV_WORKER });
    const expected = conv();
    faultNextConvJobs('exit', 1);
    const started = performance.now();
    assert.throws(conv, (error: Error) => {
      assert.ok(error instanceof ConvThreadsError, String(error));
      assert.match(
        error.message,
        /^a convolution worker thread failed: it exited with code 7 mid-kernel \(worker threads are now off\); set ACTLAB_THREADS=1/,
      );
      return true;
    });
    assert.ok(performance.now() - started < 2000, `detected after ${performance.now() - started} ms`);
    assert.deepEqual(conv(), expected, 'the next convolutions run on this thread, with the same result');
    await within(5000, 'stopConvThreads()', stopConvThreads());
    assert.equal(convThreads().liveWorkers, 0);
  });

  it('hung conv workers cost one answer timeout in all, not one per worker', async () => {
    faultNextConvJobs('hang', 0);
    await startConvThreads({ threads: 4, minMacs: 0, answerTimeoutMs: 1000, workerScript: FAULTY_CONV_WORKER });
    conv();
    faultNextConvJobs('hang', 3);
    const started = performance.now();
    assert.throws(conv, {
      name: 'ConvThreadsError',
      message: /^a convolution worker thread failed: no answer in 1 s \(worker/,
    });
    const waited = performance.now() - started;
    assert.ok(waited >= 1000 && waited < 2500, `three hung workers blocked this thread ${waited} ms`);
    await within(5000, 'stopConvThreads()', stopConvThreads());
    assert.equal(convThreads().liveWorkers, 0);
  });

  it('two initBackend calls at once leave one set of conv workers', async () => {
    await initBackend({ backend: 'cpu', log: null });
    await stopConvThreads();
    assert.equal(convThreads().liveWorkers, 0);
    const both = await Promise.all([
      initBackend({ backend: 'wasm', threads: 2, log: null }),
      initBackend({ backend: 'wasm', threads: 2, log: null }),
    ]);
    assert.deepEqual(
      both.map((info) => info.threads.threads),
      [2, 2],
    );
    assert.equal(convThreads().liveWorkers, 1, 'one worker besides this thread');
  });

  it('switching from wasm to cpu stops the conv workers', async () => {
    await initBackend({ backend: 'wasm', threads: 2, log: null });
    assert.equal(convThreads().liveWorkers, 1);
    const info = await initBackend({ backend: 'cpu', log: null });
    assert.equal(info.threads.threads, 1);
    assert.equal(convThreads().liveWorkers, 0);
  });
});

describe('principle 7: resources stay bounded', () => {
  it('ACTLAB_THREADS=64 is capped at the cores with a one-line warning', { skip: noWasm }, () => {
    const cores = os.availableParallelism();
    const run = runCli(['backend', '--json'], { ACTLAB_BACKEND: 'wasm', ACTLAB_THREADS: '64' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stderr,
      `actlab: ACTLAB_THREADS=64 is more than the ${cores} cores here: using ${cores} threads ` +
        '(more threads than cores only slow convolutions down)\n',
    );
    const info = JSON.parse(run.stdout) as { threads: { threads: number; note: string } };
    assert.deepEqual(info.threads, { threads: cores, note: `ACTLAB_THREADS=64 capped at ${cores} cores` });
  });
});
