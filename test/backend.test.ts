import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as tf from '@tensorflow/tfjs';

import { BackendError, initBackend, parseBackendName } from '../src/lib/backend';
import { registerKernelPack } from '../src/lib/kernels';
import { oneDnnNote } from '../src/lib/kernels';
import { runCli, tfjsNodeInstalled } from './helpers/cli';

describe('parseBackendName', () => {
  it('accepts the three names in any case and treats empty as automatic', () => {
    assert.equal(parseBackendName('WASM'), 'wasm');
    assert.equal(parseBackendName(' cpu '), 'cpu');
    assert.equal(parseBackendName('tensorflow'), 'tensorflow');
    assert.equal(parseBackendName(''), undefined);
    assert.equal(parseBackendName(undefined), undefined);
  });

  it('rejects anything else with the allowed values', () => {
    assert.throws(() => parseBackendName('webgl'), {
      name: 'BackendError',
      message:
        'ACTLAB_BACKEND="webgl" is not a backend actlab knows; allowed values: tensorflow, wasm, cpu (or unset it to pick the fastest available).',
    });
  });
});

describe('initBackend in this process', () => {
  it('starts a forced backend, reports why, and applies kernel packs registered for it', async () => {
    let calls = 0;
    const square = tf.getKernel('Square', 'cpu');
    assert.ok(square, 'stock cpu Square kernel exists');
    registerKernelPack({
      name: 'test-counting-square',
      backend: 'cpu',
      kernels: () => [
        {
          kernelName: 'Square',
          backendName: 'cpu',
          kernelFunc: (args) => {
            calls++;
            return square.kernelFunc(args);
          },
        },
      ],
    });
    const lines: string[] = [];
    const info = await initBackend({ backend: 'cpu', log: (line) => lines.push(line) });
    assert.equal(info.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal(info.reason, 'forced by ACTLAB_BACKEND=cpu');
    assert.ok(info.kernelPacks.includes('test-counting-square'), `packs: ${info.kernelPacks}`);
    assert.ok(info.kernelPacks.includes('conv-filter-grad'), "actlab's own cpu pack is applied too");
    assert.equal(lines.length, 1);
    assert.match(
      lines[0] ?? '',
      /backend "cpu" .*test-counting-square.*for native speed: npm install @tensorflow\/tfjs-node/,
    );
    const out = tf.square(tf.tensor1d([3]));
    assert.deepEqual(await out.data(), new Float32Array([9]));
    assert.equal(calls, 1, 'the pack kernel ran instead of the stock one');
  });

  it('refuses a second pack with the same name', () => {
    const pack = { name: 'test-duplicate', backend: 'cpu', kernels: () => [] };
    registerKernelPack(pack);
    assert.throws(() => registerKernelPack(pack), /already registered/);
  });

  it('throws BackendError for a forced backend that cannot start', async (t) => {
    if (tfjsNodeInstalled()) return t.skip('tfjs-node is installed here, so tensorflow can start');
    await assert.rejects(initBackend({ backend: 'tensorflow', log: null }), (error: Error) => {
      assert.ok(error instanceof BackendError);
      assert.match(
        error.message,
        /ACTLAB_BACKEND=tensorflow was asked for but cannot start: tfjs-node is not installed/,
      );
      return true;
    });
  });
});

describe('actlab backend (fresh process)', () => {
  it('picks the fastest available backend automatically and prints one line', () => {
    const run = runCli(['backend'], { ACTLAB_BACKEND: undefined });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, run.stdout);
    if (tfjsNodeInstalled()) {
      assert.match(lines[0] ?? '', /backend "tensorflow"/);
    } else {
      assert.match(lines[0] ?? '', /^actlab: TensorFlow.js backend "wasm" from @tensorflow\/tfjs-backend-wasm/);
      assert.match(lines[0] ?? '', /tfjs-node is not installed/);
      // With the oneDNN kernels the line names them instead of suggesting tfjs-node.
      if (oneDnnNote() === undefined) assert.match(lines[0] ?? '', /actlab kernels \(.*onednn\)/);
      else assert.match(lines[0] ?? '', /for native speed: npm install @tensorflow\/tfjs-node/);
    }
  });

  it('honours ACTLAB_BACKEND and reports it in --json', () => {
    const run = runCli(['backend', '--json'], { ACTLAB_BACKEND: 'cpu' });
    assert.equal(run.status, 0, run.stderr);
    const info = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(info.name, 'cpu');
    assert.equal(info.reason, 'forced by ACTLAB_BACKEND=cpu');
    assert.equal(info.native, false);
  });

  it('shares wasm convolutions over ACTLAB_THREADS threads and says so', (t) => {
    if (tfjsNodeInstalled()) return t.skip('tfjs-node is installed here, so wasm is not picked');
    const two = runCli(['backend', '--json'], { ACTLAB_BACKEND: 'wasm', ACTLAB_THREADS: '2' });
    assert.equal(two.status, 0, two.stderr);
    const info = JSON.parse(two.stdout) as { threads: unknown; summary: string };
    assert.deepEqual(info.threads, { threads: 2, note: '' });
    assert.match(
      info.summary,
      /\+ actlab kernels \(conv-im2col(, onednn)?\) on 2 threads \(forced by ACTLAB_BACKEND=wasm\)/,
    );
    const one = runCli(['backend'], { ACTLAB_BACKEND: 'wasm', ACTLAB_THREADS: '1' });
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /\(conv-im2col(, onednn)?\) on 1 thread: asked for 1 thread \(forced/);
    const bad = runCli(['backend'], { ACTLAB_BACKEND: 'wasm', ACTLAB_THREADS: 'all' });
    assert.equal(bad.status, 2);
    assert.equal(
      bad.stderr,
      'actlab: ACTLAB_THREADS="all" must be a whole number ≥ 1 (1 runs convolutions on one thread); unset it to use every core\n',
    );
  });

  it('fails in one line for an unknown ACTLAB_BACKEND', () => {
    const run = runCli(['backend'], { ACTLAB_BACKEND: 'nonsense' });
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      'actlab: ACTLAB_BACKEND="nonsense" is not a backend actlab knows; allowed values: tensorflow, wasm, cpu (or unset it to pick the fastest available).\n',
    );
  });
});
