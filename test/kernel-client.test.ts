/**
 * The TypeScript Jupyter client against the real tslab kernel (no Python):
 * outputs of each kind in the .ipynb and the .html, a display updated in
 * place, a failing cell, a cell timeout, a kernel that exits, an interrupt,
 * and a whole tutorial run with no Python on PATH.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { decodeMessage, encodeMessage, newMessage, WireError } from '../src/lib/jupyter/wire';
import { NotebookFailedError, NotebookInterruptedError, runNotebooks } from '../src/lib/jupyter';
import { CLI, ROOT } from './helpers/cli';
import { tempDir } from './helpers/fixtures';

interface Output {
  output_type: string;
  name?: string;
  text?: string[];
  data?: Record<string, string | string[]>;
}
interface Cell {
  cell_type: string;
  id: string;
  execution_count?: number | null;
  outputs?: Output[];
}

/** One temp folder for the whole file (helpers' tempDir adds an exit listener per call). */
const SCRATCH = tempDir('actlab-kc-');
const fresh = (): string => fs.mkdtempSync(path.join(SCRATCH, 'd-'));

/** A folder holding `00_test.ipynb` with these cells (code unless the source starts with '#'). */
function notebookDir(cells: Record<string, string>): string {
  const dir = fresh();
  const nb = {
    cells: Object.entries(cells).map(([id, source]) =>
      source.startsWith('#')
        ? { cell_type: 'markdown', id, metadata: {}, source }
        : { cell_type: 'code', id, metadata: {}, source, execution_count: null, outputs: [] },
    ),
    metadata: { kernelspec: { display_name: 'TypeScript (actlab)', language: 'typescript', name: 'actlab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(dir, '00_test.ipynb'), JSON.stringify(nb, null, 1));
  return dir;
}

function cellsOf(file: string): Map<string, Cell> {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] };
  return new Map(nb.cells.map((c) => [c.id, c]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return check();
}

const PID_CELL = (file: string) =>
  `import * as fs from 'fs';\nfs.writeFileSync(${JSON.stringify(file)}, String(process.pid));`;

describe('wire format', () => {
  it('signs with the key and refuses a message signed with another', () => {
    const message = newMessage('kernel_info_request', { x: 1 }, 'session');
    const frames = encodeMessage(message, 'key-a').map((f) => Buffer.from(f));
    assert.deepEqual(decodeMessage([Buffer.from('routing-id'), ...frames], 'key-a').content, { x: 1 });
    assert.throws(() => decodeMessage(frames, 'key-b'), WireError);
  });
});

describe('notebooks through the TypeScript Jupyter client (real tslab kernel)', () => {
  it('keeps every output kind and a display updated in place, in the .ipynb and the .html', async () => {
    const dir = notebookDir({
      title: '# Outputs of every kind\n\nSome *emphasis* and `code`.',
      streams: [
        "console.log('out 1'); console.log('out 2'); console.error('err 1');",
        "process.stdout.write('progress 10%\\rprogress 100%\\n');",
        "console.log('\\x1b[31mred\\x1b[0m <tag>');",
      ].join('\n'),
      rich: [
        "import * as tslab from 'tslab';",
        'tslab.display.html(\'<b id="bold">bold html</b>\');',
        // a 1x1 transparent PNG
        "tslab.display.png(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64'));",
        'tslab.display.svg(\'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect id="sq" width="4" height="4"/></svg>\');',
      ].join('\n'),
      display: "const shown = tslab.newDisplay(); shown.text('first'); shown.text('second');",
      later: "shown.text('last value');",
    });
    const out = fresh();
    const [result] = await runNotebooks({ notebooksDir: dir, outDir: out });
    assert.ok(result);
    const cells = cellsOf(result.executed);
    const streams = cells.get('streams')?.outputs ?? [];
    assert.deepEqual(
      streams.map((o) => [o.name, o.text?.join('')]),
      [
        ['stdout', 'out 1\nout 2\n'],
        ['stderr', 'err 1\n'],
        ['stdout', 'progress 100%\n\x1b[31mred\x1b[0m <tag>\n'],
      ],
      'consecutive same-name streams merged, a carriage return overwrites the line',
    );
    assert.deepEqual(
      cells.get('rich')?.outputs?.map((o) => Object.keys(o.data ?? {})),
      [['text/html'], ['image/png'], ['image/svg+xml']],
    );
    const display = cells.get('display')?.outputs ?? [];
    assert.equal(display.length, 1, 'updates replace the output, they add none');
    assert.deepEqual(display[0]?.data?.['text/plain'], ['last value'], 'the update from a later cell reached it');
    assert.deepEqual(cells.get('later')?.outputs, []);
    assert.deepEqual(
      [...cells.values()].filter((c) => c.cell_type === 'code').map((c) => c.execution_count),
      [1, 2, 3, 4],
    );
    const html = fs.readFileSync(result.html, 'utf8');
    assert.match(html, /<title>Outputs of every kind<\/title>/);
    assert.match(html, /<h1>Outputs of every kind<\/h1>\s*<p>Some <em>emphasis<\/em> and <code>code<\/code>/);
    assert.match(html, /console\.log\(&#39;out 1&#39;\)/, 'code is shown, escaped');
    assert.match(html, /red &#60;tag&#62;/, 'text escaped, ANSI codes stripped');
    assert.ok(!html.includes('\x1b'), 'no escape codes left in the page');
    assert.match(html, /<b id="bold">bold html<\/b>/);
    assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo/);
    assert.match(html, /<rect id="sq"/);
    assert.match(html, /<pre>last value<\/pre>/);
    assert.doesNotMatch(html, /<pre>(first|second)<\/pre>/, 'only the last value of the display is shown');
  });

  it('a failing cell: NotebookFailedError names it; the .ipynb and .html hold the error', async () => {
    const dir = notebookDir({ ok: "console.log('before');", bad: "throw new RangeError('planted');", after: '1' });
    const out = fresh();
    await assert.rejects(runNotebooks({ notebooksDir: dir, outDir: out }), (error: Error) => {
      assert.ok(error instanceof NotebookFailedError, String(error));
      assert.deepEqual([error.cellPosition, error.cellId, error.errorName], [2, 'bad', 'RangeError']);
      assert.equal(error.errorValue, 'planted');
      assert.match(error.message, /^00_test\.ipynb failed at code cell 2 \(id bad\): RangeError: planted/);
      return true;
    });
    const cells = cellsOf(path.join(out, '00_test.ipynb'));
    assert.match(cells.get('bad')?.outputs?.[0]?.text?.join('') ?? '', /RangeError: planted/);
    assert.equal(cells.get('after')?.execution_count, null, 'cells after the failure do not run');
    assert.match(fs.readFileSync(path.join(out, '00_test.html'), 'utf8'), /RangeError: planted/);
  });

  it('a cell over its timeout fails the notebook as CellTimeoutError and its kernel is stopped', async () => {
    const pidFile = path.join(fresh(), 'pid');
    const dir = notebookDir({ slow: `${PID_CELL(pidFile)}\nawait new Promise((r) => setTimeout(r, 60_000));` });
    const started = Date.now();
    await assert.rejects(
      runNotebooks({ notebooksDir: dir, outDir: fresh(), cellTimeoutSeconds: 2 }),
      (error: Error) => {
        assert.ok(error instanceof NotebookFailedError, String(error));
        assert.deepEqual([error.cellId, error.errorName], ['slow', 'CellTimeoutError']);
        assert.match(error.errorValue, /still running after 2 s \(raise the limit with --cell-timeout\)/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 45_000);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.equal(await waitFor(() => !alive(pid), 10_000), true, `kernel ${pid} outlived the timeout`);
  });

  it('a cell that prints 5,000 lines at once shows all of them, in order, and ends', async () => {
    // tslab sends a message per write; without kernel-preload.ts most were dropped and the cell never ended.
    const dir = notebookDir({ flood: "for (let i = 0; i < 5000; i++) console.log(`line ${i} ${'x'.repeat(200)}`);" });
    const out = fresh();
    const started = Date.now();
    await runNotebooks({ notebooksDir: dir, outDir: out, cellTimeoutSeconds: 60 });
    const lines = (cellsOf(path.join(out, '00_test.ipynb')).get('flood')?.outputs ?? [])
      .flatMap((o) => o.text ?? [])
      .join('')
      .split('\n')
      .filter(Boolean);
    assert.equal(lines.length, 5000);
    assert.ok(
      lines.every((line, i) => line.startsWith(`line ${i} `)),
      'in order',
    );
    assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
  });

  it('a kernel that exits in a cell is named as such', async () => {
    const dir = notebookDir({ fine: '1 + 1', exits: "console.log('leaving'); process.exit(3);" });
    const out = fresh();
    await assert.rejects(runNotebooks({ notebooksDir: dir, outDir: out }), (error: Error) => {
      assert.ok(error instanceof NotebookFailedError, String(error));
      assert.deepEqual([error.cellPosition, error.cellId, error.errorName], [2, 'exits', 'KernelDiedError']);
      assert.match(error.errorValue, /^the kernel exited with code 3/);
      return true;
    });
    assert.ok(fs.existsSync(path.join(out, '00_test.html')));
  });

  it('an abort interrupts the long cell, stops the kernel, and keeps the partly executed copy', async () => {
    const pidFile = path.join(fresh(), 'pid');
    const dir = notebookDir({
      long: `${PID_CELL(pidFile)}\nconsole.log('started');\nawait new Promise((r) => setTimeout(r, 120_000));`,
      never: "console.log('not reached');",
    });
    const out = fresh();
    const stop = new AbortController();
    const run = runNotebooks({ notebooksDir: dir, outDir: out, signal: stop.signal });
    assert.equal(await waitFor(() => fs.existsSync(pidFile), 60_000), true, 'the long cell started');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    stop.abort();
    await assert.rejects(run, (error: Error) => {
      assert.ok(error instanceof NotebookInterruptedError, String(error));
      assert.match(error.message, /00_test\.ipynb was interrupted; its kernel was stopped/);
      return true;
    });
    assert.equal(await waitFor(() => !alive(pid), 10_000), true, `kernel ${pid} still running after the interrupt`);
    const cells = cellsOf(path.join(out, '00_test.ipynb'));
    assert.match(cells.get('long')?.outputs?.[0]?.text?.join('') ?? '', /^started\n/);
    assert.deepEqual(cells.get('never')?.outputs, []);
  });

  it('the tutorial command runs with no Python on PATH (only node) and writes the .html', (t) => {
    const bin = fresh();
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const which = spawnSync('/bin/sh', ['-c', 'command -v python3 || command -v python || echo none'], {
      env: { PATH: bin },
      encoding: 'utf8',
    });
    if (which.error) return t.skip('no /bin/sh to check PATH with');
    assert.equal(which.stdout.trim(), 'none', 'Python is hidden');
    const out = fresh();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: bin };
    delete env.ACTLAB_PYTHON;
    const notebooks = path.join(ROOT, 'test', 'fixtures', 'notebooks');
    const run = spawnSync(process.execPath, [CLI, 'tutorial', '--notebooks', notebooks, '--only', '00', '--out', out], {
      env,
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /✔ 00_ok\.ipynb/);
    assert.match(fs.readFileSync(path.join(out, '00_ok.html'), 'utf8'), /answer 42/);
  });
});
