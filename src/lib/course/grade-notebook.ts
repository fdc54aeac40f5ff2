/**
 * Grading one submitted notebook. The notebook that runs is the instructor's:
 * its own cells, checks and hidden checks, with the student's solution cells
 * put in place of its solution cells (what else the student changed or added
 * is not run). It runs in a fresh kernel, in a working folder of its own,
 * within limits of time, memory and output; a cell that breaks a limit or
 * ends the kernel costs the exercise it belongs to, and the notebook is run
 * again without that exercise's cells so the others are still graded.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { type NotebookOutput, tidyStreamText } from '../jupyter/cell-outputs';
import { CellTimeoutError, KernelClient, KernelDiedError, OutputLimitError } from '../jupyter/kernel-client';
import { errorOfOutputs } from '../jupyter/node-runner';
import { joinText, type Notebook, type NotebookCell, readNotebook, writeNotebook } from '../jupyter/notebook-file';
import { groupMemoryBytes } from './memory';
import { exercisesName, stubSource } from './release';
import { chapterNumber, type CourseNotebook, readCourseNotebook } from './roles';

/** What one submission may use. */
export interface GradeLimits {
  /** Wall time of the whole notebook, restarts included. */
  readonly timeoutSeconds: number;
  /** Wall time of one cell. */
  readonly cellTimeoutSeconds: number;
  /** Resident memory of the kernel and what it started. */
  readonly memoryMb: number;
  /** Output of one cell. */
  readonly outputBytes: number;
}

/** One exercise of one submission (the `--json` keys are an interface). */
export interface ExerciseGrade {
  readonly id: string;
  readonly points: number;
  readonly max: number;
  /** Check cells (visible and hidden) that ran without an error. */
  readonly passed: number;
  readonly checks: number;
  /** Why it did not score: the first failing message, or a limit; null when it did. */
  readonly reason: string | null;
  /** Seconds its cells ran (in the last run). */
  readonly seconds: number;
}

export interface SubmissionGrade {
  /** The submission as given. */
  readonly file: string;
  /** The instructor notebook it was graded against (file name); null when none could be found. */
  readonly source: string | null;
  readonly total: number;
  readonly max: number;
  readonly exercises: readonly ExerciseGrade[];
  readonly seconds: number;
  /** Why the submission itself could not be graded (not a notebook, no instructor notebook for it). */
  readonly error?: string;
}

/** How to start and confine a kernel for one submission (see grade.ts). */
export interface KernelLauncher {
  /** The kernel argv, wrapped for isolation. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The instructor notebook a submission answers: its metadata says, else its name. */
export function sourceOf(submission: Notebook, file: string, sourceDir: string): string {
  const course = (submission.metadata?.actlab as { course?: { source?: unknown } } | undefined)?.course;
  const named = typeof course?.source === 'string' ? course.source : undefined;
  const candidates = named ? [named] : [];
  const base = path.basename(file);
  const stem = /^(\d\d_[\w-]+?)(?:_exercises|_solutions)?\.ipynb$/.exec(base)?.[1];
  if (stem) candidates.push(`${stem}_solutions.ipynb`);
  const number = /^(\d\d)_/.exec(base)?.[1];
  if (number && fs.existsSync(sourceDir)) {
    candidates.push(
      ...fs.readdirSync(sourceDir).filter((n) => n.startsWith(`${number}_`) && n.endsWith('_solutions.ipynb')),
    );
  }
  const found = candidates.find((name) => fs.existsSync(path.join(sourceDir, path.basename(name))));
  if (!found) {
    throw new Error(
      `${file}: no instructor notebook for it in ${sourceDir} (its metadata names ${named ?? 'none'}; ` +
        `expected a name like ${exercisesName('NN_name_solutions.ipynb')})`,
    );
  }
  return path.basename(found);
}

/** The student's solution cell of each exercise: by its mark, else by the instructor cell's id. */
function studentSolutions(submission: Notebook, course: CourseNotebook): Map<string, string> {
  const byExercise = new Map<string, string>();
  const byId = new Map(submission.cells.filter((c) => c.id).map((c) => [c.id!, c]));
  for (const cell of submission.cells) {
    const mark = cell.metadata?.actlab as { exercise?: unknown; role?: unknown } | undefined;
    if (mark?.role === 'solution' && typeof mark.exercise === 'string' && !byExercise.has(mark.exercise)) {
      byExercise.set(mark.exercise, joinText(cell.source));
    }
  }
  course.notebook.cells.forEach((cell, index) => {
    const mark = course.marks[index];
    if (mark?.role !== 'solution' || byExercise.has(mark.exercise) || !cell.id) return;
    const same = byId.get(cell.id);
    if (same?.cell_type === 'code') byExercise.set(mark.exercise, joinText(same.source));
  });
  return byExercise;
}

/** Per exercise, what the cells of one run showed. */
interface Tally {
  passed: number;
  /**
   * Why it does not score, best first: its own stub ("your code here") from any cell of its
   * section, else the first failure of its own cells (solution, checks: these decide the score),
   * else the first failure of an instructor cell of its section.
   */
  stub: string | undefined;
  ownFailure: string | undefined;
  otherFailure: string | undefined;
  seconds: number;
}

/** A run that a limit or the kernel's end stopped: the exercise it cost (undefined: an instructor cell) and why. */
interface Stop {
  readonly exercise: string | undefined;
  readonly reason: string;
}

const describeCell = (cell: NotebookCell, role: string | undefined): string =>
  `${role === 'solution' ? 'the solution cell' : role ? `a ${role} cell` : 'a cell'}${cell.id ? ` (id ${cell.id})` : ''}`;

const signalName = (number: number): string | undefined =>
  Object.entries(os.constants.signals).find(([, n]) => n === number)?.[0];

const megabytes = (bytes: number): string => `${Math.round((bytes / 1048576) * 10) / 10} MB`;

/** The reason a thrown execute error gives, or undefined when it is not one a limit or the kernel caused. */
function stopReason(error: unknown, limits: GradeLimits, overMemory: boolean): string | undefined {
  if (overMemory) return `used more than ${limits.memoryMb} MB of memory (the limit)`;
  if (error instanceof CellTimeoutError)
    return `still running after ${error.seconds} s (the time limit of a cell): an endless loop?`;
  if (error instanceof OutputLimitError) return `printed more than ${megabytes(limits.outputBytes)} (the output limit)`;
  if (error instanceof KernelDiedError) {
    // In its own process namespace the kernel's death by a signal reaches us as the shell's 128 + signal.
    const signal = error.exitCode !== null && error.exitCode > 128 ? signalName(error.exitCode - 128) : undefined;
    if (signal) return `ended the kernel: was killed by ${signal}`;
    return error.message.split(';')[0]!.replace(/^the kernel/, 'ended the kernel:');
  }
  return undefined;
}

interface RunSetup {
  readonly cells: readonly NotebookCell[];
  readonly course: CourseNotebook;
  readonly excluded: ReadonlySet<string>;
  readonly launcher: KernelLauncher;
  readonly limits: GradeLimits;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
}

/** Grading was stopped (Ctrl-C, SIGTERM, an abort signal); its kernels were stopped with it. */
export class GradingInterruptedError extends Error {
  override name = 'GradingInterruptedError';
  constructor() {
    super('grading was interrupted: its kernels were stopped, and no sheet was written');
  }
}

/** One run of the notebook; fills each code cell's outputs and returns the tallies, or where it stopped. */
async function runOnce(setup: RunSetup): Promise<{ tallies: Map<string, Tally>; stop?: Stop }> {
  const { cells, course, excluded, launcher, limits, deadline, signal } = setup;
  if (signal?.aborted) throw new GradingInterruptedError();
  const tallies = new Map(
    course.exercises.map((e): [string, Tally] => [
      e.id,
      { passed: 0, stub: undefined, ownFailure: undefined, otherFailure: undefined, seconds: 0 },
    ]),
  );
  let client: KernelClient;
  try {
    client = await KernelClient.start({
      argv: launcher.argv,
      env: launcher.env,
      cwd: launcher.cwd,
      startupTimeoutMs: 120_000,
    });
  } catch (error) {
    return { tallies, stop: { exercise: undefined, reason: `the kernel did not start: ${(error as Error).message}` } };
  }
  const stop = () => void client.shutdown(0);
  signal?.addEventListener('abort', stop, { once: true });
  if (signal?.aborted) {
    await client.shutdown(0); // aborted while the kernel started: the listener came too late
    throw new GradingInterruptedError();
  }
  let overMemory = false;
  const watch = setInterval(() => {
    if (client.pid !== undefined && groupMemoryBytes(client.pid) > limits.memoryMb * 1024 * 1024) {
      overMemory = true;
      void client.shutdown(0);
    }
  }, 500);
  try {
    for (const [index, cell] of cells.entries()) {
      const exercise = course.sectionOf[index];
      const role = course.marks[index]?.role;
      const source = joinText(cell.source);
      if (cell.cell_type !== 'code' || !source.trim() || (exercise && excluded.has(exercise))) continue;
      const left = deadline - Date.now();
      if (left <= 0) return { tallies, stop: { exercise, reason: 'the notebook ran out of its time limit' } };
      const outputs: NotebookOutput[] = [];
      cell.outputs = outputs;
      const started = Date.now();
      const tally = exercise ? tallies.get(exercise) : undefined;
      try {
        const timeoutMs = Math.min(limits.cellTimeoutSeconds * 1000, left);
        const reply = await client.execute(source, {
          outputs,
          timeoutMs,
          maxOutputBytes: limits.outputBytes,
          stopOnError: false, // every exercise is graded, also after one that failed
        });
        cell.execution_count = reply.executionCount;
        // tslab drops requests that reach it within 200 ms of a failed cell: let that window pass.
        if (reply.status !== 'ok') await new Promise((resolve) => setTimeout(resolve, 300));
        const failed = reply.status !== 'ok';
        if (tally && !failed && (role === 'check' || role === 'hidden-check')) tally.passed += 1;
        // The exercise's own cells decide; an instructor cell that fails after them (a cleanup that
        // disposes another exercise's model) must not cost it, but the first failure is the best reason.
        if (tally && exercise && failed) {
          const error = errorOfOutputs(outputs);
          const message = error
            ? `${error.ename}: ${error.evalue}`
            : `${describeCell(cell, role)} ended with ${reply.status}`;
          if (error?.evalue.startsWith(`${exercise}: your code here`)) tally.stub ??= message;
          if (role !== undefined) tally.ownFailure ??= message;
          else tally.otherFailure ??= message;
        }
      } catch (error) {
        if (signal?.aborted) throw new GradingInterruptedError();
        const reason = stopReason(error, limits, overMemory);
        if (reason === undefined) throw error;
        return { tallies, stop: { exercise, reason: `${describeCell(cell, role)} ${reason}` } };
      } finally {
        if (tally) tally.seconds += (Date.now() - started) / 1000;
        for (const output of outputs)
          if (output.output_type === 'stream') output.text = tidyStreamText(joinText(output.text));
      }
    }
    return { tallies };
  } finally {
    clearInterval(watch);
    signal?.removeEventListener('abort', stop);
    await client.shutdown(1000);
  }
}

/** The notebook to run: the instructor's cells, outputs cleared, the student's solution cells in place. */
function assemble(course: CourseNotebook, solutions: ReadonlyMap<string, string>, name: string): NotebookCell[] {
  return course.notebook.cells.map((cell, index) => {
    const mark = course.marks[index];
    const copy: NotebookCell =
      cell.cell_type === 'code' ? { ...cell, outputs: [], execution_count: null } : { ...cell };
    if (mark?.role !== 'solution') return copy;
    const student = solutions.get(mark.exercise);
    return {
      ...copy,
      source: student ?? stubSource(joinText(cell.source), mark.exercise, `${name} cell ${index + 1}`),
    };
  });
}

export interface GradeNotebookOptions {
  readonly file: string;
  readonly sourceDir: string;
  readonly launcher: KernelLauncher;
  readonly limits: GradeLimits;
  /** Where to write the executed notebook (the last run), if anywhere. */
  readonly executed?: string;
  /** Stops the kernel and rejects with {@link GradingInterruptedError}. */
  readonly signal?: AbortSignal;
}

/** Grades one submission; a problem with the file itself scores every exercise zero with the reason. */
export async function gradeNotebook(options: GradeNotebookOptions): Promise<SubmissionGrade> {
  const started = Date.now();
  const { file, sourceDir, launcher, limits } = options;
  let submission: Notebook;
  let source: string | null = null;
  try {
    submission = readNotebook(file);
    source = sourceOf(submission, file, sourceDir);
  } catch (error) {
    const message = (error as Error).message;
    return { file, source, total: 0, max: 0, exercises: [], seconds: 0, error: message };
  }
  const course = readCourseNotebook(readNotebook(path.join(sourceDir, source)), source, chapterNumber(source));
  const solutions = studentSolutions(submission, course);
  const reasons = new Map<string, string>();
  for (const e of course.exercises) {
    if (!solutions.has(e.id)) reasons.set(e.id, `the submission has no solution cell for ${e.id} (was it deleted?)`);
  }
  const deadline = started + limits.timeoutSeconds * 1000;
  const excluded = new Set<string>();
  let cells: NotebookCell[];
  let last: Awaited<ReturnType<typeof runOnce>>;
  let instructorRetries = 1; // an instructor cell (setup) stopped by a busy machine is not the student's doing
  for (;;) {
    cells = assemble(course, solutions, source);
    last = await runOnce({ cells, course, excluded, launcher, limits, deadline, signal: options.signal });
    const stop = last.stop;
    if (!stop) break;
    if (stop.exercise && !excluded.has(stop.exercise) && Date.now() < deadline) {
      excluded.add(stop.exercise);
      reasons.set(stop.exercise, stop.reason);
      continue; // again, without the cells of that exercise
    }
    if (!stop.exercise && instructorRetries-- > 0 && Date.now() < deadline) continue;
    for (const e of course.exercises) if (!reasons.has(e.id)) reasons.set(e.id, `not graded: ${stop.reason}`);
    break;
  }
  if (options.executed) writeExecuted(options.executed, course.notebook, cells);
  return scored(file, source, course, last.tallies, reasons, started, last.stop !== undefined);
}

/** The sheet entry from the tallies of the last run. */
function scored(
  file: string,
  source: string,
  course: CourseNotebook,
  tallies: ReadonlyMap<string, Tally>,
  reasons: ReadonlyMap<string, string>,
  started: number,
  stopped: boolean,
): SubmissionGrade {
  const exercises = course.exercises.map((e): ExerciseGrade => {
    const tally = tallies.get(e.id)!;
    const checks = e.checks + e.hiddenChecks;
    const scored = !reasons.has(e.id) && tally.ownFailure === undefined && tally.passed === checks;
    const reason = scored
      ? null
      : (reasons.get(e.id) ??
        tally.stub ??
        tally.ownFailure ??
        tally.otherFailure ??
        `${checks - tally.passed} of ${checks} checks did not run${stopped ? '' : ' (a cell before them failed)'}`);
    return {
      id: e.id,
      points: reason === null ? e.points : 0,
      max: e.points,
      passed: tally.passed,
      checks,
      reason,
      seconds: Math.round(tally.seconds * 10) / 10,
    };
  });
  const total = exercises.reduce((sum, e) => sum + e.points, 0);
  const max = exercises.reduce((sum, e) => sum + e.max, 0);
  return { file, source, total, max, exercises, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** The executed notebook of the last run, for the instructor to read. */
function writeExecuted(file: string, instructor: Notebook, cells: NotebookCell[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeNotebook(file, { ...instructor, cells });
}
