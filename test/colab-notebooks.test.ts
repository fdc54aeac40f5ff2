/**
 * The Colab variants run in a plain Python kernel (Debian's python3-ipykernel):
 * their setup cell loads the %%ts magic (colab/actlab_ts.py), which relays the
 * actlab kernel's text, charts and images, and shows TypeScript errors as the
 * cell's own error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';

import {
  colabSettings,
  findJupyterPython,
  localJupyterPath,
  NotebookFailedError,
  runNotebooks,
  setupCellSource,
  withJupyterPath,
} from '../src/lib/jupyter';
import { ROOT } from './helpers/cli';
import { skipWithoutJupyter } from './helpers/requirements';
import { type Cell, joined, readCells } from './helpers/notebooks';

const VARIANTS = path.join(ROOT, 'colab', 'notebooks');
const OUT = path.join(ROOT, 'out', 'test-colab');
const ENV = { ...process.env, ACTLAB_QUICK: '1', ACTLAB_ROOT: ROOT };

/** Every output of a cell as one string per output (text, or the mime bundle's values). */
function outputsOf(cell: Cell): string[] {
  return (cell.outputs ?? []).map((o) =>
    o.output_type === 'stream'
      ? joined(o.text)
      : Object.values(o.data ?? {})
          .map(joined)
          .join('\n'),
  );
}

function pick(pattern: RegExp): string {
  const found = fs.readdirSync(VARIANTS).filter((name) => pattern.test(name));
  assert.equal(found.length, 1, `one Colab variant matching ${pattern} in ${VARIANTS}, found: ${found.join(', ')}`);
  return found[0]!;
}

/** A notebook of %%ts cells after the generated setup cell. */
function writeNotebook(file: string, cells: ReadonlyArray<readonly [string, string]>): void {
  const code = (id: string, source: string) => ({
    cell_type: 'code',
    execution_count: null,
    id,
    metadata: {},
    outputs: [],
    source,
  });
  const nb = {
    cells: [code('setup', setupCellSource(colabSettings())), ...cells.map(([id, src]) => code(id, src))],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb));
}

/**
 * Drives a Python kernel the way a front end does: loads the magic, runs a
 * throwing %%ts cell, starts a 60 s one, interrupts the Python kernel after a few seconds, runs one
 * more cell, shuts the Python kernel down; prints what happened as JSON.
 */
const INTERRUPT_PY = String.raw`
import json, os, sys, time
from jupyter_client.manager import start_new_kernel

root = sys.argv[1]
km, kc = start_new_kernel(kernel_name="python3", cwd=root)
outputs = []

def run(code):
    outputs.clear()
    return kc.execute_interactive(code, timeout=120, output_hook=outputs.append, stop_on_error=False)["content"]

def printed():
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")

run("import sys; sys.path.insert(0, %r); get_ipython().run_line_magic('load_ext', 'actlab_ts')" % os.path.join(root, "colab"))
run("%%ts\nconst started = Date.now();\nconsole.log(process.pid);")
pid = int(printed())
thrown = run("%%ts\nthrow new RangeError('frames out of range');")
msg_id = kc.execute("%%ts\nawait new Promise((r) => setTimeout(r, 60000));", stop_on_error=False)
time.sleep(5)
t0 = time.time()
km.interrupt_kernel()
while True:
    reply = kc.get_shell_msg(timeout=60)
    if reply["parent_header"].get("msg_id") == msg_id:
        break
seconds = time.time() - t0
after = run('%%ts\nconsole.log("state kept: " + (started > 0));')
km.shutdown_kernel()
time.sleep(2)
try:
    os.kill(pid, 0)
    alive = True
except ProcessLookupError:
    alive = False
print("RESULT " + json.dumps({"thrown": [thrown.get("ename"), thrown.get("evalue")],
      "interrupted": reply["content"].get("ename"), "seconds": seconds,
      "after": after["status"], "printed": printed(), "tslab_alive": alive}))
`;

const NO_JUPYTER = skipWithoutJupyter('the Colab variants test');

describe('Colab variants in a Python kernel with the %%ts magic', { skip: NO_JUPYTER }, () => {
  before(() => fs.rmSync(OUT, { recursive: true, force: true }));

  it('chapter 00 and the C3D chapter run through nbclient with charts in their outputs', async () => {
    const chapters = [pick(/^00_.*\.ipynb$/), pick(/_c3d\.ipynb$/)];
    const results = await runNotebooks({
      notebooksDir: VARIANTS,
      outDir: path.join(OUT, 'chapters'),
      only: chapters,
      kernelName: 'python3',
      runsDir: path.join(OUT, 'runs'),
      // As on Colab, where each cell's outputs are sandboxed: every cell with a chart carries the plotly bundle.
      env: { ...ENV, ACTLAB_TS_PLOTLY_PER_CELL: '1' },
    });
    assert.deepEqual(
      results.map((r) => r.notebook),
      chapters,
    );
    const [setup, c3d] = results.map((r) => readCells(r.executed));
    const setupOut = outputsOf(setup![1]!).join('');
    assert.match(setupOut, /%%ts magic loaded/, 'the setup cell loaded the magic');
    // chapter 00's environment report is an HTML table; the C3D chapter draws plotly charts.
    assert.ok(
      setup!.some((c) => outputsOf(c).some((o) => o.includes('<table'))),
      'chapter 00 shows its report table',
    );
    const chartCells = c3d!.filter((c) => (c.outputs ?? []).some((o) => o.data?.['application/vnd.plotly.v1+json']));
    assert.ok(chartCells.length >= 2, `the C3D chapter shows charts in ${chartCells.length} cell(s)`);
    for (const cell of chartCells) {
      const plain = (cell.outputs ?? []).map((o) => joined(o.data?.['text/plain']));
      const firstChart = plain.findIndex((p) => p.startsWith('[chart'));
      assert.ok(plain.indexOf('[plotly.js loaded]') >= 0, `cell ${cell.id} has charts but no plotly.js bundle`);
      assert.ok(plain.indexOf('[plotly.js loaded]') < firstChart, `cell ${cell.id}: the bundle comes after a chart`);
    }
    assert.ok(
      c3d!.flatMap(outputsOf).some((o) => /test.*accuracy|accuracy/i.test(o)),
      'the C3D chapter printed its test accuracy',
    );
  });

  it('keeps state across cells, relays PNG and GIF images, and shows a TypeScript error as the cell’s error', async () => {
    // Outside the checkout, as on Colab (/content): 'actlab' must still resolve in the TypeScript kernel.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-colab-bad-'));
    writeNotebook(path.join(dir, '00_bad.ipynb'), [
      ['state', '%%ts\nconst answer = 41;'],
      ['use-state', '%%ts\nconsole.log(`answer: ${answer + 1}`);'],
      [
        'images',
        "%%ts\nimport * as tf from '@tensorflow/tfjs';\nimport { plot } from 'actlab';\n" +
          'const clip = tf.randomUniform([4, 16, 16, 1], 0, 1, "float32", 1);\n' +
          'await plot.showFrames(clip, { caption: "frames" });\nawait plot.showClipAnimation(clip, { caption: "gif" });',
      ],
      ['bad', "%%ts\nconst n: number = 'not a number';"],
      ['after', '%%ts\nconsole.log("never runs");'],
    ]);
    const run = runNotebooks({ notebooksDir: dir, outDir: path.join(dir, 'out'), kernelName: 'python3', env: ENV });
    const error = await run.then(
      () => assert.fail('the bad cell did not fail the notebook'),
      (e: unknown) => e as NotebookFailedError,
    );
    assert.ok(error instanceof NotebookFailedError, String(error));
    assert.equal(error.cellId, 'bad');
    assert.equal(error.errorName, 'TypeScriptError');
    assert.match(error.errorValue, /^1:7 - Type 'string' is not assignable to type 'number'\.$/);
    const cells = readCells(error.executed);
    const byId = new Map(cells.map((c) => [c.id, c]));
    assert.match(outputsOf(byId.get('use-state')!).join(''), /answer: 42/);
    const images = outputsOf(byId.get('images')!).join('\n');
    assert.match(images, /data:image\/png;base64,/);
    assert.match(images, /data:image\/gif;base64,/);
    const shown = byId.get('bad')!.outputs!.find((o) => o.output_type === 'error') as
      { ename: string; evalue: string; traceback: string[] } | undefined;
    assert.ok(shown, 'the bad cell has an error output');
    assert.equal(shown.ename, 'TypeScriptError');
    // The TypeScript message, not a Python traceback of the magic.
    assert.deepEqual(shown.traceback, [`TypeScriptError: ${shown.evalue}`]);
    assert.deepEqual(byId.get('after')!.outputs, []);
  });

  it('names runtime errors, forwards an interrupt, keeps the state, and stops the TypeScript kernel with the Python kernel', () => {
    const { python } = findJupyterPython();
    const env = withJupyterPath(process.env, localJupyterPath(ROOT));
    const run = spawnSync(python, ['-c', INTERRUPT_PY, ROOT], { env, encoding: 'utf8', timeout: 180_000 });
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `no result from the driver (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
    const result = JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
    // A runtime error keeps its JavaScript name and message.
    assert.deepEqual(result.thrown, ['RangeError', 'frames out of range']);
    assert.equal(result.interrupted, 'KeyboardInterrupt');
    assert.ok((result.seconds as number) < 20, `the interrupt took ${result.seconds as number} s to stop the cell`);
    assert.equal(result.after, 'ok');
    assert.equal(result.printed, 'state kept: true\n');
    assert.equal(result.tslab_alive, false, 'the tslab kernel outlived the Python kernel');
  });
});
