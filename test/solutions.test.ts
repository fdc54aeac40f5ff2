/**
 * Executes every worked-solutions notebook (notebooks/solutions/*.ipynb)
 * through real Jupyter with the actlab kernel, as `npm run tutorial` runs the
 * chapters, with ACTLAB_QUICK=1 so that each training takes one epoch (see
 * `notebook.exerciseEpochs`), and checks that no cell failed and that every
 * exercise section printed something.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { runNotebooks } from '../src/lib/jupyter';
import { exerciseEpochs } from '../src/lib/notebook';
import { recipe } from '../src/lib/recipes';
import { ROOT } from './helpers/cli';
import { type Cell, exerciseSections, joined, numberedNotebooks, readCells, SOLUTIONS } from './helpers/notebooks';

const OUT = path.join(ROOT, 'out', 'test-solutions');
/** The solutions' training runs: apart from out/runs, and deleted first so each trains from scratch. */
const RUNS = path.join(ROOT, 'out', 'test-runs-solutions');

/** Everything a code cell showed: stream text and the text of rich outputs. */
function shown(cell: Cell): string {
  const texts = (cell.outputs ?? []).flatMap((o) => [joined(o.text), ...Object.values(o.data ?? {}).map(joined)]);
  return texts.join('');
}

describe('worked solutions of the exercises', () => {
  const notebooks = numberedNotebooks(SOLUTIONS);

  it('notebook.exerciseEpochs trains the full epochs, or 1 with ACTLAB_QUICK=1', () => {
    const saved = process.env.ACTLAB_QUICK;
    try {
      delete process.env.ACTLAB_QUICK;
      assert.equal(exerciseEpochs(30), 30);
      process.env.ACTLAB_QUICK = '1';
      assert.equal(exerciseEpochs(30), 1);
      assert.throws(
        () => exerciseEpochs(2.5),
        /^Error: exerciseEpochs: full must be a positive whole number of epochs; got 2\.5$/,
      );
    } finally {
      if (saved === undefined) delete process.env.ACTLAB_QUICK;
      else process.env.ACTLAB_QUICK = saved;
    }
  });

  it('all run through Jupyter with ACTLAB_QUICK=1 without an error', async (t) => {
    assert.ok(notebooks.length >= 1, `no NN_*_solutions.ipynb in ${SOLUTIONS}`);
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.rmSync(RUNS, { recursive: true, force: true });
    const results = await runNotebooks({
      notebooksDir: SOLUTIONS,
      outDir: OUT,
      runsDir: RUNS,
      env: { ...process.env, ACTLAB_QUICK: '1' },
    });
    for (const result of results) t.diagnostic(`${result.notebook}: ${result.seconds.toFixed(0)} s`);
    assert.deepEqual(
      results.map((r) => r.notebook),
      notebooks,
    );
  });

  it('no cell shows an error, and every exercise section printed its answer', () => {
    for (const notebook of notebooks) {
      const executed = path.join(OUT, notebook);
      assert.ok(fs.existsSync(executed), `${notebook} was not executed (see the test above)`);
      const cells = readCells(executed);
      for (const cell of cells.filter((c) => c.cell_type === 'code')) {
        for (const out of cell.outputs ?? []) {
          // tslab reports thrown errors as stderr text rather than as error outputs: check both.
          assert.notEqual(out.output_type, 'error', `${notebook} cell ${cell.id}: ${out.ename}: ${out.evalue}`);
          const stderr = out.output_type === 'stream' && out.name === 'stderr' ? joined(out.text) : '';
          assert.doesNotMatch(stderr, /^\w*Error: /m, `${notebook} cell ${cell.id} printed an error`);
        }
      }
      const sections = exerciseSections(cells);
      assert.ok(sections.length > 0, `${notebook} has no "## Exercise N" section`);
      for (const section of sections) {
        const printed = section.cells
          .filter((c) => c.cell_type === 'code')
          .map(shown)
          .join('');
        assert.ok(printed.trim().length > 0, `${notebook}: exercise ${section.exercise} printed nothing`);
      }
    }
  });

  it('trains every exercise variant in a run folder of its own under the runs folder it was given', () => {
    const runs = fs.readdirSync(RUNS);
    // Besides the ex… variants: chapter 09's C3D (trained with the scene paste), which chapter 11's
    // solutions train first as their pretrained backbone (recipes.loadPretrained) because this runs folder starts empty.
    const backbone = `${recipe('c3d').runName}-paste`;
    const other = runs.filter((name) => !name.startsWith('ex') && name !== backbone);
    assert.ok(runs.length > 0 && other.length === 0, `runs: ${runs.join(', ')}`);
  });
});
