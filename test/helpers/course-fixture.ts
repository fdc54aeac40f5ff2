/**
 * A small course for the grader's tests: one instructor notebook with three
 * exercises (each a function, a visible and a hidden check, a prose answer),
 * its chapter, and submissions made from the released copy with one
 * exercise's solution cell replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

type Mark = { exercise: string; role: string; points?: number };

const md = (id: string, source: string, mark?: Mark) => ({
  cell_type: 'markdown',
  id,
  metadata: mark ? { actlab: mark } : {},
  source,
});
const code = (id: string, source: string, mark?: Mark) => ({
  cell_type: 'code',
  id,
  metadata: mark ? { actlab: mark } : {},
  source,
  outputs: [],
  execution_count: null,
});

/** The three exercises: what the student writes, the visible check and the hidden one. */
export const TINY_EXERCISES = [
  {
    id: '01-ex1',
    points: 2,
    solution: 'function double(x: number): number {\n  // BEGIN SOLUTION\n  return 2 * x;\n  // END SOLUTION\n}',
    check: "exercise.check('01-ex1', 'double(2)', double(2), 4);",
    hidden: "exercise.check('01-ex1', 'double(-3.5)', double(-3.5), -7);",
  },
  {
    id: '01-ex2',
    points: 3,
    solution:
      'function squareSum(values: number[]): number {\n  // BEGIN SOLUTION\n  return values.reduce((sum, v) => sum + v * v, 0);\n  // END SOLUTION\n}',
    check: "exercise.check('01-ex2', 'squareSum([1, 2])', squareSum([1, 2]), 5);",
    hidden:
      "exercise.check('01-ex2', 'squareSum([])', squareSum([]), 0);\nexercise.check('01-ex2', 'squareSum([0.5, -3])', squareSum([0.5, -3]), exercise.near(9.25));",
  },
  {
    id: '01-ex3',
    points: 1,
    solution:
      'function shout(text: string): string {\n  // BEGIN SOLUTION\n  return `${text.toUpperCase()}!`;\n  // END SOLUTION\n}',
    check: "exercise.check('01-ex3', 'shout(\"hi\")', shout('hi'), 'HI!');",
    hidden: "exercise.check('01-ex3', 'shout(\"\")', shout(''), '!');",
  },
] as const;

export const TINY_SOURCE = '01_tiny_solutions.ipynb';

/** Writes the instructor notebook (and its chapter) into `dir/solutions` and `dir`; returns the solutions folder. */
export function writeTinyCourse(dir: string): string {
  const cells: object[] = [
    md('title', '# 01 · Tiny — solutions to the exercises\n\nWorked solutions.'),
    code('setup', "import { exercise } from 'actlab';\nconsole.log('setup done');"),
  ];
  TINY_EXERCISES.forEach((e, i) => {
    const k = i + 1;
    cells.push(
      md(`ex${k}-h`, `## Exercise ${k}\n\n> Write the function below.`),
      code(`ex${k}-sol`, e.solution, { exercise: e.id, role: 'solution', points: e.points }),
      code(`ex${k}-check`, e.check, { exercise: e.id, role: 'check' }),
      code(`ex${k}-hidden`, e.hidden, { exercise: e.id, role: 'hidden-check' }),
      md(`ex${k}-a`, `**Answer.** The secret prose answer number ${k}.`, { exercise: e.id, role: 'answer' }),
    );
  });
  cells.push(md('next', '## Next\n\nOn to chapter 02.'), code('cleanup', "console.log('bye');"));
  const notebook = {
    cells,
    metadata: { kernelspec: { display_name: 'TypeScript (actlab)', language: 'typescript', name: 'actlab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const solutions = path.join(dir, 'solutions');
  fs.mkdirSync(solutions, { recursive: true });
  fs.writeFileSync(path.join(solutions, TINY_SOURCE), JSON.stringify(notebook, null, 1));
  const chapter = { ...notebook, cells: [md('title', '# 01 · Tiny'), code('hello', "console.log('hello');")] };
  fs.writeFileSync(path.join(dir, '01_tiny.ipynb'), JSON.stringify(chapter, null, 1));
  return solutions;
}

/** The student copy `released` with solution cells replaced: `answers` maps exercise id → cell source. */
export function submission(released: string, file: string, answers: Readonly<Record<string, string>>): string {
  const notebook = JSON.parse(fs.readFileSync(released, 'utf8')) as {
    cells: Array<{ source: string | string[]; metadata: { actlab?: Mark } }>;
  };
  for (const cell of notebook.cells) {
    const mark = cell.metadata.actlab;
    if (mark?.role === 'solution' && answers[mark.exercise] !== undefined) cell.source = answers[mark.exercise]!;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(notebook, null, 1));
  return file;
}

/** Every exercise answered with the instructor's solution (markers removed). */
export function correctAnswers(): Record<string, string> {
  return Object.fromEntries(
    TINY_EXERCISES.map((e) => [e.id, e.solution.replace(/^\s*\/\/ (BEGIN|END) SOLUTION\n/gm, '')]),
  );
}
