/**
 * The exercise structure of an instructor notebook (`notebooks/solutions/*`),
 * read from cell metadata as nbgrader does: `metadata.actlab` is
 * `{ exercise: 'NN-exK', role, points? }` with role `solution` (the cell a
 * student writes; its `// BEGIN SOLUTION` … `// END SOLUTION` regions become
 * a stub), `check` (kept), `hidden-check` (the instructor's only) or `answer`
 * (prose answer, replaced). Unmarked cells are the instructor's and stay.
 */
import { joinText, type Notebook, type NotebookCell } from '../jupyter/notebook-file';

export const ROLES = ['solution', 'check', 'hidden-check', 'answer'] as const;
export type CellRole = (typeof ROLES)[number];

/** What `metadata.actlab` says about a cell. */
export interface CellMark {
  readonly exercise: string;
  readonly role: CellRole;
  readonly points?: number;
}

/** One exercise of a notebook, as the release manifest and the grade sheet list it. */
export interface ExerciseInfo {
  /** `NN-exK` */
  readonly id: string;
  readonly points: number;
  /** Visible check cells. */
  readonly checks: number;
  /** Check cells only the instructor's copy has. */
  readonly hiddenChecks: number;
}

export interface CourseNotebook {
  readonly notebook: Notebook;
  readonly exercises: readonly ExerciseInfo[];
  /** Per cell: its mark, or undefined for the instructor's own cells. */
  readonly marks: ReadonlyArray<CellMark | undefined>;
  /** Per cell: the exercise whose `## Exercise K` section it sits in (or its mark's), else undefined. */
  readonly sectionOf: ReadonlyArray<string | undefined>;
}

/** A notebook whose exercise marks break the convention; names the file, the cell and what to fix. */
export class CourseNotebookError extends Error {
  override name = 'CourseNotebookError';
}

export const BEGIN_SOLUTION = /^(\s*)\/\/ BEGIN SOLUTION\s*$/;
export const END_SOLUTION = /^\s*\/\/ END SOLUTION\s*$/;

/** The cell's mark, checked; undefined when it has none. */
export function cellMark(cell: NotebookCell, where: string): CellMark | undefined {
  const raw = (cell.metadata?.actlab as Record<string, unknown> | undefined) ?? undefined;
  if (raw === undefined || !('role' in raw)) return undefined;
  const { exercise, role, points } = raw;
  if (typeof exercise !== 'string' || !/^\d\d-ex\d+$/.test(exercise)) {
    throw new CourseNotebookError(
      `${where}: metadata.actlab.exercise must be "NN-exK"; got ${JSON.stringify(exercise)}`,
    );
  }
  if (!ROLES.includes(role as CellRole)) {
    throw new CourseNotebookError(
      `${where}: metadata.actlab.role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(role)}`,
    );
  }
  if (role === 'solution' && (typeof points !== 'number' || !(points > 0))) {
    throw new CourseNotebookError(`${where}: a solution cell needs metadata.actlab.points, a positive number`);
  }
  const expectedType = role === 'answer' ? 'markdown' : 'code';
  if (cell.cell_type !== expectedType) {
    throw new CourseNotebookError(`${where}: a "${role}" cell must be a ${expectedType} cell, not ${cell.cell_type}`);
  }
  return { exercise, role: role as CellRole, ...(role === 'solution' ? { points: points as number } : {}) };
}

/** The `// BEGIN SOLUTION` … `// END SOLUTION` regions of a solution cell: [begin, end] line indexes. */
export function solutionRegions(source: string, where: string): Array<[number, number]> {
  const lines = source.split('\n');
  const regions: Array<[number, number]> = [];
  let open: number | undefined;
  lines.forEach((line, index) => {
    if (BEGIN_SOLUTION.test(line)) {
      if (open !== undefined)
        throw new CourseNotebookError(`${where}: BEGIN SOLUTION on line ${index + 1} inside another region`);
      open = index;
    } else if (END_SOLUTION.test(line)) {
      if (open === undefined)
        throw new CourseNotebookError(`${where}: END SOLUTION on line ${index + 1} without a BEGIN`);
      regions.push([open, index]);
      open = undefined;
    }
  });
  if (open !== undefined) throw new CourseNotebookError(`${where}: BEGIN SOLUTION on line ${open + 1} is never ended`);
  if (regions.length === 0) {
    throw new CourseNotebookError(`${where}: a solution cell needs a "// BEGIN SOLUTION" … "// END SOLUTION" region`);
  }
  return regions;
}

const EXERCISE_HEADING = /^## Exercise (\d+)\s*$/m;
const ANY_H2 = /^## /m;

/** The exercise id a markdown cell's `## Exercise K` heading opens, '' for another `## ` heading, else undefined. */
function headingExercise(cell: NotebookCell, chapter: string): string | undefined {
  if (cell.cell_type !== 'markdown') return undefined;
  const text = joinText(cell.source);
  const exercise = EXERCISE_HEADING.exec(text);
  if (exercise) return `${chapter}-ex${exercise[1]}`;
  return ANY_H2.test(text) ? '' : undefined;
}

/**
 * Reads the exercise structure of `notebook` (`file` names it in errors;
 * `chapter` is its number, `NN`): every exercise has one solution cell with
 * points, at least one visible and one hidden check, all inside its section.
 */
export function readCourseNotebook(notebook: Notebook, file: string, chapter: string): CourseNotebook {
  const marks: Array<CellMark | undefined> = [];
  const sectionOf: Array<string | undefined> = [];
  const byId = new Map<string, { points: number; solutions: number; checks: number; hiddenChecks: number }>();
  const sections: string[] = [];
  let section: string | undefined;
  notebook.cells.forEach((cell, index) => {
    const where = `${file} cell ${index + 1}${cell.id ? ` (id ${cell.id})` : ''}`;
    const heading = headingExercise(cell, chapter);
    if (heading !== undefined) section = heading || undefined;
    if (heading) sections.push(heading);
    const mark = cellMark(cell, where);
    marks.push(mark);
    sectionOf.push(mark?.exercise ?? section);
    if (!mark) return;
    if (mark.exercise !== section) {
      throw new CourseNotebookError(
        `${where}: marked for ${mark.exercise} but sits in ${section ? `the section of ${section}` : 'no "## Exercise K" section'}`,
      );
    }
    const entry = byId.get(mark.exercise) ?? { points: 0, solutions: 0, checks: 0, hiddenChecks: 0 };
    if (mark.role === 'solution') {
      entry.solutions += 1;
      entry.points = mark.points ?? 0;
      solutionRegions(joinText(cell.source), where);
    } else if (mark.role === 'check') entry.checks += 1;
    else if (mark.role === 'hidden-check') entry.hiddenChecks += 1;
    byId.set(mark.exercise, entry);
  });
  const unmarked = sections.filter((id) => !byId.has(id));
  if (unmarked.length > 0) {
    throw new CourseNotebookError(
      `${file}: ${unmarked.join(', ')} ${unmarked.length > 1 ? 'have' : 'has'} no marked cells (metadata.actlab); see docs/course.md`,
    );
  }
  const exercises = [...byId].map(([id, entry]): ExerciseInfo => {
    if (entry.solutions !== 1)
      throw new CourseNotebookError(`${file}: ${id} has ${entry.solutions} solution cells; it needs exactly one`);
    if (entry.checks < 1 || entry.hiddenChecks < 1) {
      throw new CourseNotebookError(
        `${file}: ${id} has ${entry.checks} check and ${entry.hiddenChecks} hidden-check cells; it needs at least one of each`,
      );
    }
    return { id, points: entry.points, checks: entry.checks, hiddenChecks: entry.hiddenChecks };
  });
  return { notebook, exercises, marks, sectionOf };
}

/** `06` from `06_cnn2d_solutions.ipynb` (or any `NN_…` name). */
export function chapterNumber(file: string): string {
  const match = /^(\d\d)_/.exec(file.split(/[\\/]/).pop() ?? '');
  if (!match) throw new CourseNotebookError(`${file}: a course notebook's name starts with its chapter number, NN_`);
  return match[1]!;
}
