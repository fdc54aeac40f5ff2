/**
 * `actlab course release`: the student copy of the course. The chapters with
 * their outputs cleared, and from each instructor notebook the exercises
 * notebook: solution regions replaced by a stub that throws "your code here",
 * hidden checks removed, prose answers replaced, outputs cleared, cell ids
 * kept; their Colab variants; and a manifest of exercises and points. Writing
 * the same course twice gives the same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { colabSettings, colabVariant } from '../jupyter/colab';
import { joinText, type Notebook, type NotebookCell, readNotebook, writeNotebook } from '../jupyter/notebook-file';
import { packageRoot } from '../util/package-root';
import { chapterNumber, CourseNotebookError, type ExerciseInfo, readCourseNotebook, solutionRegions } from './roles';

export interface ReleaseOptions {
  /** Where the student copy goes (created; files of the release are replaced). */
  readonly out: string;
  /** The instructor notebooks. @default `<package>/notebooks/solutions` */
  readonly source?: string;
  /** The chapters. @default `<package>/notebooks` */
  readonly chapters?: string;
}

/** One exercises notebook of the release, as manifest.json lists it. */
export interface ReleasedNotebook {
  /** Path in the release, `notebooks/exercises/06_cnn2d_exercises.ipynb`. */
  readonly file: string;
  /** The instructor notebook it came from (its file name). */
  readonly source: string;
  readonly chapter: string;
  readonly exercises: readonly ExerciseInfo[];
}

/** manifest.json of a release. */
export interface CourseManifest {
  readonly format: 'actlab-course';
  readonly version: 1;
  readonly notebooks: readonly ReleasedNotebook[];
  /** Points of all exercises. */
  readonly points: number;
}

export const MANIFEST = 'manifest.json';
/** The Colab variants' note on where they come from. */
const RELEASED = 'Part of the course release (`npx actlab course release`).';
const SOLUTIONS_SUFFIX = /_solutions\.ipynb$/;

/** `06_cnn2d_solutions.ipynb` → `06_cnn2d_exercises.ipynb`. */
export function exercisesName(sourceName: string): string {
  return sourceName.replace(SOLUTIONS_SUFFIX, '_exercises.ipynb');
}

/** The instructor notebooks of `dir`: `NN_name_solutions.ipynb`, sorted. */
export function instructorNotebooks(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new CourseNotebookError(`the instructor notebooks folder ${dir} does not exist`);
  const files = fs
    .readdirSync(dir)
    .filter((name) => /^\d\d_[\w-]+_solutions\.ipynb$/.test(name))
    .sort();
  if (files.length === 0) throw new CourseNotebookError(`${dir} holds no NN_name_solutions.ipynb notebooks`);
  return files;
}

/** A solution cell's source with each region replaced by the stub line, at the region's indentation. */
export function stubSource(source: string, exercise: string, where: string): string {
  const lines = source.split('\n');
  const regions = solutionRegions(source, where);
  const out: string[] = [];
  let next = 0;
  for (const [begin, end] of regions) {
    out.push(...lines.slice(next, begin));
    const indent = /^\s*/.exec(lines[begin]!)![0];
    out.push(`${indent}throw exercise.yourCodeHere('${exercise}');`);
    next = end + 1;
  }
  out.push(...lines.slice(next));
  return out.join('\n');
}

const cleared = (cell: NotebookCell): NotebookCell =>
  cell.cell_type === 'code' ? { ...cell, outputs: [], execution_count: null } : cell;

/** The title cell of an exercises notebook: what to do, the exercises and their points. */
function titleCell(title: string, chapterFile: string, exercises: readonly ExerciseInfo[]): NotebookCell {
  const total = exercises.reduce((sum, e) => sum + e.points, 0);
  const points = exercises.map((e) => `${e.id} (${e.points})`).join(', ');
  return {
    cell_type: 'markdown',
    id: 'title',
    metadata: {},
    source:
      `# ${title} — exercises\n\n` +
      `The exercises of [${chapterFile}](../${chapterFile}). In each, write your code in the cell that throws ` +
      '"your code here" (`throw exercise.yourCodeHere(...)`), in place of that line, then run the check cells ' +
      'below it: each prints ✔, or says what it expected and what it got. The grader runs more checks of its ' +
      'own, with other inputs, so make your code do what the exercise asks rather than what one check tests. ' +
      `Only the cells that throw "your code here" are graded: code you add elsewhere is not kept.\n\n` +
      `Points: ${points}; ${total} in all.`,
  };
}

/** The student copy of one instructor notebook; `name` is its file name. */
export function studentNotebook(instructor: Notebook, name: string): { notebook: Notebook; exercises: ExerciseInfo[] } {
  const chapter = chapterNumber(name);
  const course = readCourseNotebook(instructor, name, chapter);
  const code = instructor.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => joinText(c.source))
    .join('\n');
  if (!/import \{[^}]*\bexercise\b[^}]*\} from 'actlab'/.test(code)) {
    throw new CourseNotebookError(
      `${name}: the stubs call exercise.yourCodeHere: import { exercise } from 'actlab' in its setup cell`,
    );
  }
  const firstLine = joinText(instructor.cells[0]?.source ?? '').split('\n')[0] ?? '';
  const title = firstLine.replace(/^#\s*/, '').replace(/\s*—\s*solutions to the exercises\s*$/, '');
  const chapterFile = name.replace(SOLUTIONS_SUFFIX, '.ipynb');
  const cells: NotebookCell[] = [titleCell(title, chapterFile, course.exercises)];
  instructor.cells.forEach((cell, index) => {
    if (index === 0) return; // the title, rewritten above
    const mark = course.marks[index];
    if (mark?.role === 'hidden-check') return;
    if (mark?.role === 'answer') {
      cells.push({ ...cell, source: '**Your answer.** *Write it here.*' });
      return;
    }
    if (mark?.role === 'solution') {
      const where = `${name} cell ${index + 1}`;
      cells.push(cleared({ ...cell, source: stubSource(joinText(cell.source), mark.exercise, where) }));
      return;
    }
    cells.push(cleared(cell));
  });
  const metadata = { ...instructor.metadata, actlab: { course: { source: name, exercises: course.exercises } } };
  return { notebook: { ...instructor, metadata, cells }, exercises: [...course.exercises] };
}

/** Writes `notebook` at `file`, making its folder. */
function write(file: string, notebook: Notebook): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeNotebook(file, notebook);
}

/** Writes the student copy of the course to `options.out`; returns its manifest. */
export function releaseCourse(options: ReleaseOptions): CourseManifest {
  const root = packageRoot();
  const source = path.resolve(options.source ?? path.join(root, 'notebooks', 'solutions'));
  const chapters = path.resolve(options.chapters ?? path.join(root, 'notebooks'));
  const out = path.resolve(options.out);
  if ([source, chapters].some((dir) => out === dir || dir.startsWith(`${out}${path.sep}`))) {
    throw new CourseNotebookError(`--out ${out} holds the course's own notebooks; give an empty or new folder`);
  }
  const settings = colabSettings(); // the repository and branch the Colab variants' setup cell clones
  const released: ReleasedNotebook[] = [];
  for (const name of instructorNotebooks(source)) {
    const { notebook, exercises } = studentNotebook(readNotebook(path.join(source, name)), name);
    const exercisesFile = path.posix.join('exercises', exercisesName(name));
    write(path.join(out, 'notebooks', exercisesFile), notebook);
    write(path.join(out, 'colab', exercisesFile), colabVariant(notebook, exercisesFile, settings, RELEASED));
    const chapterName = name.replace(SOLUTIONS_SUFFIX, '.ipynb');
    const chapterFile = path.join(chapters, chapterName);
    if (fs.existsSync(chapterFile)) {
      const chapter = readNotebook(chapterFile);
      const student = { ...chapter, cells: chapter.cells.map(cleared) };
      write(path.join(out, 'notebooks', chapterName), student);
      write(path.join(out, 'colab', chapterName), colabVariant(student, chapterName, settings, RELEASED));
    }
    released.push({ file: `notebooks/${exercisesFile}`, source: name, chapter: chapterName, exercises });
  }
  const manifest: CourseManifest = {
    format: 'actlab-course',
    version: 1,
    notebooks: released,
    points: released.flatMap((n) => n.exercises).reduce((sum, e) => sum + e.points, 0),
  };
  fs.writeFileSync(path.join(out, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
