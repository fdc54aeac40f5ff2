import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { JupyterMissingError, listNotebooks, NotebookFailedError, runNotebooks } from '../src/lib/jupyter';
import { CLI, ROOT, runCli } from './helpers/cli';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'notebooks');
/** One notebook that prints ACTLAB_RUNS_DIR and tutorialRunDir('c3d') as the kernel sees them. */
const ENV_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'notebooks-env');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-runner-'));
}

interface Cell {
  cell_type: string;
  id: string;
  outputs?: Array<{ output_type: string; text?: string[]; evalue?: string }>;
}

function cellsOf(file: string): Cell[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] }).cells;
}

describe('notebook runner (actlab kernel through the TypeScript Jupyter client)', () => {
  it('lists NN_*.ipynb in order and filters with --only prefixes', () => {
    assert.deepEqual(
      listNotebooks(FIXTURES).map((f) => path.basename(f)),
      ['00_ok.ipynb', '01_fails.ipynb'],
    );
    assert.deepEqual(
      listNotebooks(FIXTURES, ['01']).map((f) => path.basename(f)),
      ['01_fails.ipynb'],
    );
    assert.throws(
      () => listNotebooks(FIXTURES, ['07']),
      /no NN_\*\.ipynb notebooks matching 07 in .*found: 00_ok.ipynb, 01_fails.ipynb/,
    );
  });

  it('executes a notebook and writes the executed .ipynb and .html', async () => {
    const out = tempDir();
    const events: string[] = [];
    const results = await runNotebooks({
      notebooksDir: FIXTURES,
      outDir: out,
      only: ['00'],
      onEvent: (e) => events.push(e.event),
    });
    assert.equal(results.length, 1);
    const cells = cellsOf(path.join(out, '00_ok.ipynb'));
    const text = cells
      .find((c) => c.id === 'ok')
      ?.outputs?.flatMap((o) => o.text ?? [])
      .join('');
    assert.equal(text, 'answer 42\n');
    assert.match(fs.readFileSync(path.join(out, '00_ok.html'), 'utf8'), /answer 42/);
    assert.deepEqual(events, ['notebook_start', 'cell_start', 'cell_done', 'notebook_done']);
  });

  it('passes runsDir to the kernel as ACTLAB_RUNS_DIR, and tutorialRunDir follows it', async () => {
    const out = tempDir();
    const runs = path.join(tempDir(), 'runs');
    await runNotebooks({
      notebooksDir: ENV_FIXTURES,
      outDir: out,
      runsDir: runs,
    });
    const text = cellsOf(path.join(out, '00_env.ipynb'))
      .find((c) => c.id === 'env')
      ?.outputs?.flatMap((o) => o.text ?? [])
      .join('');
    assert.equal(text, `runs dir ${runs} | ${path.join(runs, 'c3d')}\n`);
    // The CLI's --runs does the same (npm test runs the tutorial with out/test-runs).
    const cliOut = tempDir();
    const run = runCli(['tutorial', '--notebooks', ENV_FIXTURES, '--out', cliOut, '--runs', runs]);
    assert.equal(run.status, 0, run.stderr);
    const cliText = cellsOf(path.join(cliOut, '00_env.ipynb')).find((c) => c.id === 'env')?.outputs?.[0]?.text;
    assert.equal(cliText?.join(''), text);
  });

  it('stops at the failing cell, names notebook and cell, and keeps the executed copy', async () => {
    const out = tempDir();
    await assert.rejects(runNotebooks({ notebooksDir: FIXTURES, outDir: out }), (error: Error) => {
      assert.ok(error instanceof NotebookFailedError, String(error));
      assert.equal(error.notebook, '01_fails.ipynb');
      assert.equal(error.cellPosition, 2);
      assert.equal(error.cellId, 'boom');
      assert.equal(error.errorValue, 'planted failure for the runner test');
      assert.match(error.message, /^01_fails\.ipynb failed at code cell 2 \(id boom\): Error: planted failure/);
      return true;
    });
    const cells = cellsOf(path.join(out, '01_fails.ipynb'));
    const boom = cells
      .find((c) => c.id === 'boom')
      ?.outputs?.flatMap((o) => o.text ?? [])
      .join('');
    assert.match(boom ?? '', /Error: planted failure for the runner test/, 'tslab reports the error on stderr');
    assert.deepEqual(cells.find((c) => c.id === 'never')?.outputs, [], 'cells after the failure do not run');
    assert.ok(fs.existsSync(path.join(out, '01_fails.html')));
  });

  it('reports a TypeScript compile error with its position', async () => {
    await assert.rejects(
      runNotebooks({ notebooksDir: path.join(ROOT, 'test', 'fixtures', 'notebooks-type-error'), outDir: tempDir() }),
      (error: Error) => {
        assert.ok(error instanceof NotebookFailedError, String(error));
        assert.equal(error.cellId, 'typo');
        assert.equal(error.errorName, 'TypeScript');
        assert.match(error.errorValue, /^1:7 - Type 'string' is not assignable to type 'number'/);
        return true;
      },
    );
  });

  it('the CLI exits 1 naming the notebook, cell and error', () => {
    const run = runCli(['tutorial', '--notebooks', FIXTURES, '--out', tempDir()]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /✔ 00_ok\.ipynb/);
    assert.match(
      run.stderr,
      /✘ 01_fails\.ipynb failed at code cell 2 \(id boom\): Error: planted failure for the runner test/,
    );
    assert.match(run.stderr, /throw new Error\('planted failure for the runner test'\);/);
  });

  it('needs no Python for the actlab kernel; the python3 kernel (Colab variants) says how to install Jupyter', async () => {
    const noPython = { ACTLAB_PYTHON: '/nonexistent/python3' };
    const run = runCli(['tutorial', '--notebooks', FIXTURES, '--only', '00', '--out', tempDir()], noPython);
    assert.equal(run.status, 0, run.stderr);
    const env = { ...process.env, ...noPython };
    await assert.rejects(
      runNotebooks({ notebooksDir: FIXTURES, outDir: tempDir(), only: ['00'], kernelName: 'python3', env }),
      (error: Error) => {
        assert.ok(error instanceof JupyterMissingError, String(error));
        assert.match(error.message, /^Jupyter is not installed: .*tried \/nonexistent\/python3 \(not found\)/);
        assert.match(error.message, /sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient/);
        assert.match(error.message, /python3 -m pip install jupyterlab nbclient nbconvert/);
        return true;
      },
    );
  });

  it('rejects a nonsense ACTLAB_BACKEND in one line before starting the kernel', () => {
    const run = runCli(['tutorial', '--notebooks', FIXTURES, '--out', tempDir()], { ACTLAB_BACKEND: 'nonsense' });
    assert.equal(run.status, 2);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.match(run.stderr, /allowed values: tensorflow, wasm, cpu/);
  });

  it('Ctrl-C stops the notebook and its kernel, and exits 130', async () => {
    const pidFile = path.join(tempDir(), 'kernel.pid');
    const child = spawn(
      process.execPath,
      [CLI, 'tutorial', '--notebooks', path.join(ROOT, 'test', 'fixtures', 'notebooks-slow'), '--out', tempDir()],
      { env: { ...process.env, ACTLAB_TEST_PIDFILE: pidFile }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 60_000;
    while (!fs.existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const kernelPid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(kernelPid > 0, 'the slow cell started and wrote its kernel pid');
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /actlab: 00_slow\.ipynb was interrupted; its kernel was stopped/);
    const alive = () => {
      try {
        process.kill(kernelPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const gone = Date.now() + 15_000;
    while (alive() && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(), false, `kernel ${kernelPid} still running after the interrupt`);
  });
});
