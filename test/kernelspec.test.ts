import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { findJupyterPython, installKernelSpec, KERNEL_NAME, withJupyterPath } from '../src/lib/jupyter';
import { ROOT, runCli } from './helpers/cli';
import { skipWithoutJupyter } from './helpers/requirements';

const NO_JUPYTER = skipWithoutJupyter('finding the kernel spec with jupyter_client');

describe('actlab kernel spec', () => {
  it('points at this Node and this checkout’s tslab with absolute paths', () => {
    const jupyterPath = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-kernel-'));
    const installed = installKernelSpec({ jupyterPath });
    assert.equal(installed.dir, path.join(jupyterPath, 'kernels', 'actlab'));
    const spec = JSON.parse(fs.readFileSync(path.join(installed.dir, 'kernel.json'), 'utf8')) as {
      argv: string[];
      display_name: string;
      language: string;
    };
    assert.equal(spec.display_name, 'TypeScript (actlab)');
    assert.equal(spec.language, 'typescript');
    assert.equal(spec.argv[0], process.execPath);
    assert.deepEqual(spec.argv.slice(1, 3), [
      '--require',
      path.join(ROOT, 'dist', 'lib', 'jupyter', 'kernel-preload.js'),
    ]);
    assert.ok(fs.existsSync(spec.argv[2] ?? ''), 'the preload is built');
    assert.equal(spec.argv[3], path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab'));
    assert.ok(fs.existsSync(spec.argv[3] ?? ''));
    assert.deepEqual(spec.argv.slice(4), ['kernel', '--config-path', '{connection_file}']);
  });

  it('is found by Jupyter itself through JUPYTER_PATH', { skip: NO_JUPYTER }, () => {
    const jupyterPath = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-kernel-'));
    installKernelSpec({ jupyterPath });
    const { python } = findJupyterPython();
    const env = withJupyterPath({ ...process.env, JUPYTER_PATH: '/somewhere/else' }, jupyterPath);
    assert.equal(env.JUPYTER_PATH, `${jupyterPath}${path.delimiter}/somewhere/else`);
    const list = spawnSync(
      python,
      [
        '-c',
        'import json; from jupyter_client.kernelspec import KernelSpecManager as K; print(json.dumps(K().find_kernel_specs()))',
      ],
      { env, encoding: 'utf8' },
    );
    assert.equal(list.status, 0, list.stderr);
    const specs = JSON.parse(list.stdout) as Record<string, string>;
    assert.equal(specs[KERNEL_NAME], path.join(jupyterPath, 'kernels', 'actlab'));
  });

  it('npm run kernel:install writes the project-local spec and says how to register it user-wide', () => {
    const run = runCli(['kernel', 'install']);
    assert.equal(run.status, 0, run.stderr);
    const dir = path.join(ROOT, '.jupyter', 'share', 'jupyter', 'kernels', 'actlab');
    assert.ok(fs.existsSync(path.join(dir, 'kernel.json')));
    assert.match(run.stdout, new RegExp(`Installed Jupyter kernel "actlab" \\(TypeScript \\(actlab\\)\\) in ${dir}`));
    assert.match(run.stdout, /npx actlab kernel install --user/);
  });

  it('--user installs into the per-user Jupyter data folder', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-userdata-'));
    const run = runCli(['kernel', 'install', '--user', '--json'], { JUPYTER_DATA_DIR: dataDir });
    assert.equal(run.status, 0, run.stderr);
    const installed = JSON.parse(run.stdout) as { dir: string };
    assert.equal(installed.dir, path.join(dataDir, 'kernels', 'actlab'));
    assert.ok(fs.existsSync(path.join(installed.dir, 'kernel.json')));
  });
});
