/**
 * How the onednn pack is switched on and off: the backend line names it when
 * the addon loads, says why not when it is off, missing or broken (and the
 * wasm kernels run), and native/install.js exits 0 with one line of advice
 * when it cannot build.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';

import { loadOneDnn } from '../src/lib/kernels';
import { ROOT, runCli, tfjsNodeInstalled } from './helpers/cli';

interface BackendJson {
  readonly name: string;
  readonly kernelPacks: string[];
  readonly summary: string;
}

function backend(env: Record<string, string | undefined>): BackendJson {
  const run = runCli(['backend', '--json'], { ACTLAB_BACKEND: 'wasm', ACTLAB_THREADS: '2', ...env });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as BackendJson;
}

const WASM_ONLY = ['conv-im2col'];

describe('the onednn pack in the backend line', { skip: tfjsNodeInstalled() && 'tfjs-node is installed here' }, () => {
  test('names the pack when the addon loads', (t) => {
    const status = loadOneDnn();
    if (!status.loaded) return t.skip(`the oneDNN addon is not loaded here: ${status.reason}`);
    const info = backend({ ACTLAB_NATIVE: undefined, ACTLAB_NATIVE_ADDON: undefined });
    assert.deepEqual(info.kernelPacks, ['conv-im2col', 'onednn']);
    assert.match(info.summary, /\+ actlab kernels \(conv-im2col, onednn\) on 2 threads/);
    assert.doesNotMatch(info.summary, /oneDNN kernels/);
  });

  test('ACTLAB_NATIVE=0 turns it off and says so; the wasm kernels run', () => {
    const info = backend({ ACTLAB_NATIVE: '0' });
    assert.deepEqual(info.kernelPacks, WASM_ONLY);
    assert.match(info.summary, /\(conv-im2col\) on 2 threads .*; oneDNN kernels off \(ACTLAB_NATIVE=0\);/);
  });

  test('a missing addon says how to build it', () => {
    const info = backend({ ACTLAB_NATIVE: undefined, ACTLAB_NATIVE_ADDON: path.join(os.tmpdir(), 'no-such.node') });
    assert.deepEqual(info.kernelPacks, WASM_ONLY);
    assert.match(
      info.summary,
      /oneDNN kernels not built; for native speed without tfjs-node: apt-get install libdnnl-dev g\+\+ make python3 \(macOS: brew install onednn\), then run node native\/install\.js/,
    );
  });

  test('an addon that fails to load falls back to the wasm kernels with one line saying why', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-onednn-'));
    const broken = path.join(dir, 'actlab_onednn.node');
    fs.writeFileSync(broken, 'not a shared library');
    try {
      const run = runCli(['backend'], {
        ACTLAB_BACKEND: 'wasm',
        ACTLAB_NATIVE: undefined,
        ACTLAB_NATIVE_ADDON: broken,
      });
      assert.equal(run.status, 0, run.stderr);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 1, run.stdout);
      assert.match(
        lines[0]!,
        /\(conv-im2col\) on \d+ threads? .*; oneDNN kernels failed to load \(.+\); using the wasm kernels;/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('native/install.js', () => {
  const install = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [path.join(ROOT, 'native', 'install.js')], { cwd: ROOT, env, encoding: 'utf8' });

  test('without a compiler or make it exits 0 with one line on how to enable the kernels', () => {
    // No PATH: neither a compiler nor make can be found (and the built addon is left alone).
    const run = install({ PATH: path.join(os.tmpdir(), 'actlab-empty-path'), HOME: os.tmpdir() });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.match(
      run.stdout,
      /^actlab: native oneDNN kernels not built \(missing: (oneDNN headers, )?a C\+\+ compiler, make, Python 3 \(node-gyp needs it\)\); training uses the wasm kernels\. To enable: apt-get install libdnnl-dev g\+\+ make python3 \(macOS: brew install onednn\), then: node native\/install\.js\n$/,
    );
  });

  test('ACTLAB_NATIVE=0 skips the build', () => {
    const run = install({ ...process.env, ACTLAB_NATIVE: '0' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, 'actlab: oneDNN kernels not built (ACTLAB_NATIVE=0)\n');
  });
});
