import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import type { EnvironmentReport } from '../src/lib/env';
import { ROOT, runCli } from './helpers/cli';
import { skipWithoutJupyter } from './helpers/requirements';

describe('actlab CLI', () => {
  it('help lists every command', () => {
    const run = runCli(['help']);
    assert.equal(run.status, 0);
    for (const name of ['env', 'backend', 'kernel install', 'tutorial']) {
      assert.match(run.stdout, new RegExp(`^  ${name}`, 'm'));
    }
  });

  it('an unknown command or flag is a usage error, not a stack trace', () => {
    const unknown = runCli(['frobnicate']);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr, 'actlab: unknown command "frobnicate"; run "actlab help" for the list\n');
    const flag = runCli(['tutorial', '--bogus']);
    assert.equal(flag.status, 2);
    assert.equal(flag.stderr, 'actlab: tutorial: unknown flag --bogus (actlab tutorial --help lists them)\n');
    const typo = runCli(['train', '--lrate', '3e-3']);
    assert.equal(typo.status, 2);
    assert.equal(
      typo.stderr,
      'actlab: train: unknown flag --lrate; did you mean --lr? (actlab train --help lists them)\n',
    );
  });

  it('a throw no promise catches (a library callback) is a few readable lines, not its minified source', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-uncaught-'));
    const preload = path.join(dir, 'throw-later.js');
    // One long line, as in a minified library: Node would print it whole above the stack.
    fs.writeFileSync(
      preload,
      `setTimeout(() => { throw new Error('stream ended twice'); }); /*${'x'.repeat(20_000)}*/\n`,
    );
    try {
      const run = runCli(['help'], { NODE_OPTIONS: `--require ${preload}` });
      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        /^actlab: unexpected failure, a bug \(please report it with these lines\):\nError: stream ended twice\n\s+at /,
      );
      assert.ok(run.stderr.length < 2000, `${run.stderr.length} characters of stderr`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('env --json reports the machine, the backend and the bundled ffmpeg/ffprobe', () => {
    const run = runCli(['env', '--json'], { ACTLAB_BACKEND: 'cpu' });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as EnvironmentReport;
    assert.equal(report.node, process.version);
    assert.equal(report.backend.name, 'cpu');
    assert.ok(report.cpuCores >= 1);
    assert.ok(report.memoryTotalGiB > 0);
    for (const tool of ['ffmpeg', 'ffprobe'] as const) {
      assert.equal(report[tool].found, true, report[tool].detail);
      assert.match(report[tool].version ?? '', new RegExp(`^${tool} version `));
    }
    // Jupyter for Python is optional (needed to open notebooks); under CI it must be there.
    assert.equal(report.jupyter.found, skipWithoutJupyter('') === false, report.jupyter.detail);
  });

  it('a wrong ACTLAB_FFMPEG is reported with what to do', () => {
    const run = runCli(['env', '--json'], { ACTLAB_FFMPEG: '/nonexistent/ffmpeg', ACTLAB_BACKEND: 'cpu' });
    assert.equal(run.status, 1);
    const report = JSON.parse(run.stdout) as EnvironmentReport;
    assert.equal(report.ffmpeg.found, false);
    assert.match(
      report.ffmpeg.detail,
      /ffmpeg not found or not runnable \(tried \/nonexistent\/ffmpeg \(env\)\).*set ACTLAB_FFMPEG/,
    );
  });

  it("require('actlab') works from notebooks/ with the documented namespaces", () => {
    const run = spawnSync(
      process.execPath,
      ['-e', "const a = require('actlab'); console.log(Object.keys(a).sort().join(','))"],
      { cwd: path.join(ROOT, 'notebooks'), encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const names = run.stdout.trim().split(',');
    for (const ns of ['backend', 'env', 'video']) assert.ok(names.includes(ns), `${ns} in ${names}`);
    for (const ns of ['jupyter', 'kernels']) assert.ok(!names.includes(ns), `${ns} is internal, not in ${names}`);
  });

  it("require('actlab/internal') gives the CLI's machinery", () => {
    const run = spawnSync(
      process.execPath,
      ['-e', "const a = require('actlab/internal'); console.log(Object.keys(a).sort().join(','))"],
      { cwd: path.join(ROOT, 'notebooks'), encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const names = run.stdout.trim().split(',');
    for (const ns of ['jupyter', 'kernels', 'video']) assert.ok(names.includes(ns), `${ns} in ${names}`);
  });
});
