/**
 * A solutions run is a grading run. The course is released; the instructor
 * notebooks (notebooks/solutions/*.ipynb) are graded as submissions with
 * ACTLAB_QUICK=1 (each training one epoch, see `notebook.exerciseEpochs`)
 * and must score full marks with no cell failing and every check printing
 * its ✔; the released stubs, unchanged, must score zero without a crash; and
 * the student copy must hold no solution line, hidden check or prose answer.
 * Hostile submissions are graded in course.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';

import type { CourseManifest, GradeSheet } from '../src/lib/course';
import { readCourseNotebook, solutionRegions } from '../src/lib/course';
import { exerciseEpochs } from '../src/lib/notebook';
import { readNotebook } from '../src/lib/jupyter';
import { ROOT } from './helpers/cli';
import { runCliAsync } from './helpers/run-async';
import { type Cell, joined, numberedNotebooks, readCells, SOLUTIONS } from './helpers/notebooks';

const OUT = path.join(ROOT, 'out', 'test-course');
const RELEASE = path.join(OUT, 'release');
const QUICK = { ACTLAB_QUICK: '1' };
/** Generous per notebook (the slowest solutions train several models an epoch each). */
const GRADE_TIMEOUT_MS = 40 * 60_000;

const sheetOf = (stdout: string): GradeSheet => JSON.parse(stdout.trim().split('\n').at(-1)!) as GradeSheet;

/**
 * Lines (trimmed, 12+ characters) the student copy of an instructor notebook must not contain:
 * those of its solution regions and prose answers, and those of its hidden checks that no
 * public cell (visible check, the instructor's own cells) also has.
 */
function secretLines(file: string): string[] {
  const name = path.basename(file);
  const course = readCourseNotebook(readNotebook(file), name, name.slice(0, 2));
  const lines = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 12);
  const secret: string[] = [];
  const hidden: string[] = [];
  const open: string[] = []; // the text of public cells (and of solution cells outside their regions)
  course.notebook.cells.forEach((cell, index) => {
    const role = course.marks[index]?.role;
    const source = joined(cell.source);
    if (role === 'solution') {
      const all = source.split('\n');
      let next = 0;
      for (const [begin, end] of solutionRegions(source, name)) {
        secret.push(...lines(all.slice(begin + 1, end).join('\n')));
        open.push(all.slice(next, begin).join('\n'));
        next = end + 1;
      }
      open.push(all.slice(next).join('\n'));
    } else if (role === 'answer') secret.push(...lines(source));
    else if (role === 'hidden-check') hidden.push(...lines(source));
    else open.push(source);
  });
  const publicText = open.join('\n');
  return [...new Set([...secret, ...hidden.filter((line) => !publicText.includes(line))])];
}

/** Everything a code cell showed: stream text and the text of rich outputs. */
function shown(cell: Cell): string {
  return (cell.outputs ?? []).flatMap((o) => [joined(o.text), ...Object.values(o.data ?? {}).map(joined)]).join('');
}

describe('the course: released, the solutions graded full, the stubs zero', () => {
  const instructor = numberedNotebooks(SOLUTIONS).map((name) => path.join(SOLUTIONS, name));
  let manifest: CourseManifest;

  before(async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    const run = await runCliAsync(['course', 'release', '--out', RELEASE, '--json']);
    assert.equal(run.code, 0, run.stderr);
    manifest = JSON.parse(run.stdout) as CourseManifest;
  });

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

  it('every chapter has an exercises notebook with points, a visible and a hidden check per exercise', () => {
    assert.deepEqual(
      manifest.notebooks.map((n) => n.source),
      instructor.map((f) => path.basename(f)),
    );
    for (const notebook of manifest.notebooks) {
      assert.ok(notebook.exercises.length > 0, notebook.source);
      for (const e of notebook.exercises) assert.ok(e.points > 0 && e.checks >= 1 && e.hiddenChecks >= 1, e.id);
    }
  });

  it('the student copy holds no solution line, no hidden check and no prose answer', () => {
    for (const { file, source } of manifest.notebooks) {
      // The exercises notebook and its Colab variant (the chapters may well teach a line a solution uses).
      const copies = [file, file.replace(/^notebooks\//, 'colab/')].map((f) => path.join(RELEASE, f));
      const text = copies.map((f) =>
        readCells(f)
          .map((c) => joined(c.source))
          .join('\n'),
      );
      const secrets = secretLines(path.join(SOLUTIONS, source));
      assert.ok(secrets.length > 0, source);
      for (const line of secrets) {
        const leak = copies.find((_, i) => text[i]!.includes(line));
        assert.equal(leak, undefined, `${source}: "${line}" appears in ${leak}`);
      }
    }
  });

  it('graded as submissions (ACTLAB_QUICK=1), the instructor notebooks score full marks', async () => {
    const out = path.join(OUT, 'solutions');
    const run = await runCliAsync(['course', 'grade', ...instructor, '--out', out, '--json'], QUICK, GRADE_TIMEOUT_MS);
    assert.equal(run.code, 0, run.stderr);
    const sheet = sheetOf(run.stdout);
    assert.equal(sheet.submissions.length, instructor.length);
    for (const s of sheet.submissions) {
      const failed = s.exercises.filter((e) => e.reason !== null).map((e) => `${e.id}: ${e.reason}`);
      assert.deepEqual(failed, [], s.file);
      assert.equal(s.total, s.max, s.file);
    }
    // No cell of the instructor notebooks fails, and every check printed its ✔ line.
    for (const file of instructor) {
      const executed = path.join(
        out,
        'executed',
        fs.readdirSync(path.join(out, 'executed')).find((f) => f.endsWith(`${path.basename(file)}`))!,
      );
      const cells = readCells(executed);
      for (const cell of cells.filter((c) => c.cell_type === 'code')) {
        for (const output of cell.outputs ?? []) {
          assert.notEqual(output.output_type, 'error', `${path.basename(file)} cell ${cell.id}: ${output.ename}`);
          const stderr = output.output_type === 'stream' && output.name === 'stderr' ? joined(output.text) : '';
          assert.doesNotMatch(stderr, /^\w*Error: /m, `${path.basename(file)} cell ${cell.id} printed an error`);
        }
      }
      const checks = cells.filter((c) => c.cell_type === 'code' && /exercise\.check\(/.test(joined(c.source)));
      for (const cell of checks)
        assert.match(shown(cell), /^✔ \d\d-ex\d+: /m, `${path.basename(file)} cell ${cell.id}`);
    }
  });

  it('the released stubs, unchanged, score zero on every exercise without a crash', async () => {
    const stubs = manifest.notebooks.map((n) => path.join(RELEASE, n.file));
    const run = await runCliAsync(
      ['course', 'grade', ...stubs, '--out', path.join(OUT, 'stubs'), '--json'],
      QUICK,
      GRADE_TIMEOUT_MS,
    );
    assert.equal(run.code, 0, run.stderr);
    const sheet = sheetOf(run.stdout);
    assert.equal(sheet.submissions.length, stubs.length);
    for (const s of sheet.submissions) {
      assert.equal(s.total, 0, s.file);
      assert.ok(s.max > 0, s.file);
      for (const e of s.exercises) {
        assert.match(e.reason ?? '', new RegExp(`${e.id}: your code here`), `${s.file} ${e.id}`);
      }
    }
  });
});
