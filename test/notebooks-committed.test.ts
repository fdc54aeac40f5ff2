/**
 * Fast checks of the notebooks as committed (nothing is executed): no outputs
 * or execution counts, and a worked-solutions notebook for every chapter with
 * one section per exercise.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { chapterTable, readChapters, readChapterTable, TABLE_END, TABLE_START, tableMinutes } from '../src/lib/jupyter';
import {
  exerciseNumbers,
  exerciseSections,
  joined,
  NOTEBOOKS,
  numberedNotebooks,
  readCells,
  SOLUTIONS,
  solutionsName,
} from './helpers/notebooks';
import { formatCode } from './tools/format-notebooks';

const chapters = numberedNotebooks(NOTEBOOKS);
const solutions = fs.existsSync(SOLUTIONS) ? numberedNotebooks(SOLUTIONS) : [];
const committed = [...chapters.map((f) => path.join(NOTEBOOKS, f)), ...solutions.map((f) => path.join(SOLUTIONS, f))];

const CLEAR =
  'clear them before committing (JupyterLab: Edit → Clear Outputs of All Cells, then save; ' +
  'or jupyter nbconvert --clear-output --inplace FILE)';

describe('notebooks as committed', () => {
  it('carry no outputs and no execution counts', () => {
    assert.ok(committed.length >= 2, `notebooks found: ${committed.join(', ')}`);
    const dirty: string[] = [];
    for (const file of committed) {
      const name = path.relative(NOTEBOOKS, file);
      for (const [i, cell] of readCells(file).entries()) {
        if (cell.cell_type !== 'code') continue;
        const where = `${name} cell ${cell.id ?? i}`;
        if ((cell.outputs ?? []).length > 0) dirty.push(`${where} has ${cell.outputs!.length} output(s)`);
        if (cell.execution_count != null) dirty.push(`${where} has execution_count ${cell.execution_count}`);
      }
    }
    assert.deepEqual(dirty, [], `${dirty.join('\n')}\n${CLEAR}`);
  });

  it('every chapter ends with numbered exercises and has a solutions notebook', () => {
    for (const chapter of chapters) {
      const numbers = exerciseNumbers(readCells(path.join(NOTEBOOKS, chapter)));
      assert.ok(numbers.length > 0, `${chapter} has no numbered items under "## Exercises"`);
      assert.deepEqual(
        numbers,
        numbers.map((_, i) => i + 1),
        `${chapter}: exercises are not numbered 1, 2, …`,
      );
      assert.ok(
        solutions.includes(solutionsName(chapter)),
        `${chapter} has exercises but no notebooks/solutions/${solutionsName(chapter)}`,
      );
    }
    for (const file of solutions) {
      assert.ok(
        chapters.some((chapter) => solutionsName(chapter) === file),
        `notebooks/solutions/${file} belongs to no chapter (expected NN_name_solutions.ipynb for notebooks/NN_name.ipynb)`,
      );
    }
  });

  it('each solutions notebook has one "## Exercise N" section per exercise of its chapter, in order', () => {
    for (const chapter of chapters) {
      const file = path.join(SOLUTIONS, solutionsName(chapter));
      if (!fs.existsSync(file)) continue; // reported by the test above
      const exercises = exerciseNumbers(readCells(path.join(NOTEBOOKS, chapter)));
      const sections = exerciseSections(readCells(file));
      assert.deepEqual(
        sections.map((s) => s.exercise),
        exercises,
        `${solutionsName(chapter)}: its "## Exercise N" sections must match the ${exercises.length} exercises of ${chapter}`,
      );
      for (const section of sections) {
        const code = section.cells.filter((c) => c.cell_type === 'code');
        assert.ok(code.length > 0, `${solutionsName(chapter)}: exercise ${section.exercise} has no code cell`);
      }
    }
  });

  it('solutions train only for notebook.exerciseEpochs(...) epochs, so the test suite can run them quickly', () => {
    for (const file of solutions) {
      const code = readCells(path.join(SOLUTIONS, file))
        .filter((c) => c.cell_type === 'code')
        .map((c) => joined(c.source))
        .join('\n');
      const literal = /\bepochs:\s*\d/.exec(code);
      assert.equal(
        literal,
        null,
        `${file}: "${literal?.[0]}…" trains for a fixed number of epochs; use notebook.exerciseEpochs(n)`,
      );
      if (/\btrain\.train\(|\btrainRun\(/.test(code)) {
        assert.match(code, /notebook\.exerciseEpochs\(/, `${file} trains but never calls notebook.exerciseEpochs`);
      }
    }
  });
});

/** The longest code line a notebook may have (.prettierrc.json's printWidth). */
const MAX_LINE = 120;

describe('notebook code cells', () => {
  it('are formatted by prettier with the repository config', async () => {
    const unformatted: string[] = [];
    for (const file of committed) {
      const name = path.relative(NOTEBOOKS, file);
      for (const [i, cell] of readCells(file).entries()) {
        if (cell.cell_type !== 'code') continue;
        const source = joined(cell.source);
        const formatted = await formatCode(source);
        if (formatted === source) continue;
        const lines = source.split('\n');
        const wanted = formatted.split('\n');
        const at = lines.findIndex((line, n) => line !== wanted[n]);
        const line = at < 0 ? lines.length : at + 1;
        unformatted.push(`${name} cell ${cell.id ?? i} line ${line}: ${JSON.stringify(lines[line - 1] ?? '')}`);
      }
    }
    assert.deepEqual(unformatted, [], `${unformatted.join('\n')}\nrun npm run format:notebooks`);
  });

  it(`have no line over ${MAX_LINE} characters`, () => {
    const long: string[] = [];
    for (const file of committed) {
      const name = path.relative(NOTEBOOKS, file);
      for (const [i, cell] of readCells(file).entries()) {
        if (cell.cell_type !== 'code') continue;
        for (const [n, line] of joined(cell.source).split('\n').entries()) {
          if (line.length > MAX_LINE)
            long.push(`${name} cell ${cell.id ?? i} line ${n + 1}: ${line.length} characters`);
        }
      }
    }
    assert.deepEqual(
      long,
      [],
      `${long.join('\n')}\nprettier cannot break a long string or comment: split it into shorter pieces joined with +`,
    );
  });
});

describe('cell ids', () => {
  it('every cell has an id, unique in its notebook (tests and nbclient address cells by id)', () => {
    for (const file of committed) {
      const ids = readCells(file).map((cell, i) => cell.id ?? `(cell ${i} has none)`);
      const repeated = ids.filter((id, i) => ids.indexOf(id) !== i || id.startsWith('('));
      assert.deepEqual(repeated, [], `${path.relative(NOTEBOOKS, file)}: missing or repeated cell ids`);
    }
  });
});

describe('the chapter tables (README.md short, docs/chapters.md full)', () => {
  for (const [file, short] of [
    ['README.md', true],
    [path.join('docs', 'chapters.md'), false],
  ] as const) {
    it(`${file} holds the one the runner writes from these notebooks, with measured minutes`, () => {
      const block = readChapterTable(path.join(NOTEBOOKS, '..', file));
      assert.notEqual(block, '', `${file} has the chapter table markers ${TABLE_START} … ${TABLE_END}`);
      const rows = readChapters(NOTEBOOKS);
      for (const row of rows) assert.notEqual(row.objectives, '', `${row.notebook} has a "**You will learn**" line`);
      // The minutes the file shows, read back; the table must be exactly what the runner writes with them.
      const seconds = tableMinutes(block);
      for (const row of rows) assert.ok(seconds[row.notebook] !== undefined, `${file} has minutes for ${row.notebook}`);
      // The total was summed from unrounded seconds: only its presence is compared.
      const total = (text: string) => text.replace(/chapters: \d+\.\d minutes/, 'chapters: N minutes');
      assert.equal(
        total(block),
        total(chapterTable(rows, seconds, { short })),
        `${file}'s table is out of date: run npx actlab tutorial --readme`,
      );
    });
  }
});

describe('chapterTable', () => {
  it('renders a row per chapter and the total only when every chapter was timed', () => {
    const rows = [
      { notebook: '00_a.ipynb', title: 'A', objectives: 'x | y' },
      { notebook: '01_b.ipynb', title: 'B', objectives: 'z' },
    ];
    const partial = chapterTable(rows, { '00_a.ipynb': 90 });
    const [header, rule, first, second] = partial.split('\n');
    assert.equal(header, '| #   | notebook                                    | what you learn | minutes (2 cores) |');
    assert.equal(rule, '| --- | ------------------------------------------- | -------------- | ----------------- |');
    assert.equal(first, '| 00  | [`00_a.ipynb`](../notebooks/00_a.ipynb) — A | x \\| y         | 1.5               |');
    assert.equal(second, '| 01  | [`01_b.ipynb`](../notebooks/01_b.ipynb) — B | z              | —                 |');
    assert.doesNotMatch(partial, /All 2 chapters/);
    assert.deepEqual(tableMinutes(partial), { '00_a.ipynb': 90 });
    const short = chapterTable(rows, { '00_a.ipynb': 90, '01_b.ipynb': 30 }, { short: true });
    assert.equal(short.split('\n')[2], '| 00  | [A](notebooks/00_a.ipynb) | 1.5               |');
    assert.match(short, /All 2 chapters: 2\.0 minutes/);
    assert.deepEqual(tableMinutes(short), { '00_a.ipynb': 90, '01_b.ipynb': 30 });
  });
});
