/**
 * `actlab course grade`: many submissions, each in its own kernel and working
 * folder, `jobs` at a time, confined (isolation.ts) and limited
 * (grade-notebook.ts); one share of them with `shard`, for an Indexed Job.
 * Writes the sheet (grades.json, grades.csv, exercises.csv) and a feedback
 * page per submission.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { installKernelSpec } from '../jupyter/kernelspec';
import { createProgressBar } from '../notebook/progress';
import { definedOnly } from '../util/defined-only';
import { packageRoot } from '../util/package-root';
import { takeLock } from '../util/process-lock';
import { ensureSelfLink } from '../util/self-link';
import { type GradeLimits, gradeNotebook, type KernelLauncher, type SubmissionGrade } from './grade-notebook';
import { detectIsolation, foldersToHide, type Isolation, isolatedArgv, isolationProblem } from './isolation';
import { type GradeSheet, sheetOf, writeSheet } from './sheet';

export const DEFAULT_LIMITS: GradeLimits = {
  timeoutSeconds: 3600,
  cellTimeoutSeconds: 900,
  memoryMb: 6144,
  outputBytes: 32 * 1024 * 1024,
};

export interface GradeOptions {
  /** Submitted notebooks (.ipynb), graded in sorted order. */
  readonly submissions: readonly string[];
  /** Where the sheet, feedback pages and executed notebooks go. */
  readonly out: string;
  /** The instructor notebooks. @default `<package>/notebooks/solutions` */
  readonly source?: string;
  /** Submissions graded at once. @default 1 */
  readonly jobs?: number;
  /** Grade only share `index` of `count` (submission i when i % count === index). */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Limits; an undefined one keeps its default. */
  readonly limits?: { readonly [K in keyof GradeLimits]?: GradeLimits[K] | undefined };
  /** Grade even where kernels cannot be kept out of the instructor's folders. @default false */
  readonly allowNoIsolation?: boolean;
  /** Environment passed on to the kernels (besides PATH, LANG and ACTLAB_*). @default {} */
  readonly env?: Record<string, string>;
  /** One line per notice (jobs lowered for memory, a folder that cannot be hidden). @default stderr */
  readonly log?: (line: string) => void;
  /** Stops the kernels; the run rejects with GradingInterruptedError and writes no sheet. */
  readonly signal?: AbortSignal;
}

/** A grading run that cannot start; the message says what to do. */
export class CourseGradeError extends Error {
  override name = 'CourseGradeError';
}

/** What the kernels get from the grader's environment: no credentials, no tokens. */
function kernelEnvironment(extra: Record<string, string>, home: string): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([key]) => ['PATH', 'LANG', 'TZ'].includes(key) || key.startsWith('LC_') || key.startsWith('ACTLAB_'),
  );
  return { ...Object.fromEntries(kept), ...extra, HOME: home, ACTLAB_RUNS_DIR: path.join(home, 'runs') };
}

/** The submissions of share `shard` (all without one), sorted. */
export function shareOf(submissions: readonly string[], shard?: GradeOptions['shard']): string[] {
  const sorted = [...new Set(submissions)].sort();
  return shard ? sorted.filter((_, i) => i % shard.count === shard.index) : sorted;
}

/** Jobs that fit the machine's memory at `memoryMb` each. */
function jobsThatFit(wanted: number, memoryMb: number, log: (line: string) => void): number {
  const fit = Math.max(1, Math.floor((os.totalmem() * 0.8) / (memoryMb * 1024 * 1024)));
  if (wanted <= fit) return wanted;
  log(`--jobs ${wanted} lowered to ${fit}: ${fit} kernels of up to ${memoryMb} MB fill 80% of this machine's memory`);
  return fit;
}

/** Folders a graded kernel must not see: the instructor's, the sheet's, the submissions', the other kernels'. */
function secretFolders(options: GradeOptions, source: string, root: string, workRoot: string): string[] {
  const out = path.join(root, 'out');
  const outChildren = fs.existsSync(out)
    ? fs
        .readdirSync(out)
        .filter((n) => n !== 'data')
        .map((n) => path.join(out, n))
    : [];
  return [
    source,
    path.join(root, 'notebooks', 'solutions'),
    path.resolve(options.out),
    path.join(root, '.git'),
    ...outChildren,
    ...options.submissions.map((file) => path.dirname(path.resolve(file))),
    workRoot,
  ];
}

interface Plan {
  readonly isolation: Isolation;
  readonly kernelArgv: readonly string[];
  readonly kernelEnv: Record<string, string>;
  readonly secrets: readonly string[];
  readonly root: string;
}

/** The launcher of submission `index`: its working folder, and a kernel that sees neither the secrets nor the others'. */
function launcherFor(
  plan: Plan,
  workRoot: string,
  index: number,
  extra: Record<string, string>,
  log: (l: string) => void,
): KernelLauncher {
  const cwd = path.join(workRoot, `s${String(index).padStart(4, '0')}`);
  fs.mkdirSync(path.join(cwd, 'runs'), { recursive: true });
  // TypeScript resolves imports ('actlab', '@tensorflow/tfjs') through node_modules beside the code: actlab's own.
  fs.symlinkSync(path.join(plan.root, 'node_modules'), path.join(cwd, 'node_modules'), 'dir');
  const others = plan.secrets.filter((dir) => dir !== workRoot);
  const siblings = fs
    .readdirSync(workRoot)
    .map((n) => path.join(workRoot, n))
    .filter((dir) => dir !== cwd);
  const { hide, kept } = foldersToHide([...others, ...siblings], [plan.root, cwd]);
  if (index === 0)
    for (const dir of kept) log(`cannot hide ${dir} from the kernels: it holds actlab or their working folder`);
  const argv = isolatedArgv(plan.isolation, plan.kernelArgv, {
    hidden: hide,
    readOnly: [plan.root],
    writable: [path.join(plan.root, 'out', 'data'), path.join(plan.root, 'node_modules', '.cache')],
  });
  return { argv, cwd, env: { ...kernelEnvironment(extra, cwd), ...plan.kernelEnv } };
}

/** Grades the submissions; writes and returns the sheet. */
export async function gradeCourse(options: GradeOptions): Promise<GradeSheet> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const root = packageRoot();
  const source = path.resolve(options.source ?? path.join(root, 'notebooks', 'solutions'));
  if (!fs.existsSync(source))
    throw new CourseGradeError(`the instructor notebooks folder ${source} does not exist (--source)`);
  for (const file of options.submissions) {
    if (!fs.existsSync(file)) throw new CourseGradeError(`${file}: no such submission`);
  }
  const isolation = detectIsolation();
  if (isolation.kind === 'none' && !options.allowNoIsolation) {
    throw new CourseGradeError(
      `cannot keep the kernels out of ${source}: ${isolationProblem}. Grade on Linux or in the image of ` +
        'deploy/jupyterhub, or pass --no-isolation to grade anyway (a submission could then read the solutions)',
    );
  }
  const limits: GradeLimits = { ...DEFAULT_LIMITS, ...definedOnly(options.limits ?? {}) };
  ensureSelfLink(root);
  const spec = installKernelSpec().spec;
  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'actlab-grade-'));
  const share = shareOf(options.submissions, options.shard);
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const lock = path.join(out, '.grade.lock');
  const holder = takeLock(lock, { started: new Date().toISOString() });
  if (holder) {
    fs.rmSync(workRoot, { recursive: true, force: true });
    throw new CourseGradeError(
      `${out} is being written by another grader (pid ${holder.pid} on ${holder.host}); give another --out`,
    );
  }
  try {
    for (const [index] of share.entries()) fs.mkdirSync(path.join(workRoot, `s${String(index).padStart(4, '0')}`));
    const plan: Plan = {
      isolation,
      kernelArgv: spec.argv,
      kernelEnv: spec.env ?? {},
      secrets: secretFolders(options, source, root, workRoot),
      root,
    };
    const grades = await gradeAll(share, options.jobs ?? 1, limits, log, (file, index) =>
      gradeNotebook({
        file,
        sourceDir: source,
        limits,
        launcher: launcherFor(plan, workRoot, index, options.env ?? {}, log),
        executed: path.join(out, 'executed', feedbackStem(file) + '.ipynb'),
        signal: options.signal,
      }),
    );
    const sheet = sheetOf(grades, options.shard, isolation.kind);
    writeSheet(out, sheet, feedbackStem);
    return sheet;
  } finally {
    fs.rmSync(workRoot, { recursive: true, force: true });
    fs.rmSync(lock, { force: true });
  }
}

/** A file name for a submission's pages: its path with separators as `__`. */
export function feedbackStem(file: string): string {
  const relative = path.isAbsolute(file) ? path.relative(process.cwd(), file) : path.normalize(file);
  return relative
    .replace(/\.ipynb$/, '')
    .replace(/^(\.\.[\\/])+/, '')
    .replace(/[\\/]/g, '__')
    .replace(/[^\w.-]/g, '_');
}

/** Runs `grade` over `files`, `jobs` at a time, with a progress bar; results in the files' order. */
async function gradeAll(
  files: readonly string[],
  jobs: number,
  limits: GradeLimits,
  log: (line: string) => void,
  grade: (file: string, index: number) => Promise<SubmissionGrade>,
): Promise<SubmissionGrade[]> {
  const results: SubmissionGrade[] = new Array(files.length);
  const bar = createProgressBar('grade', { unit: 'notebooks' });
  let next = 0;
  let done = 0;
  let stopped = false;
  bar.update(0, files.length);
  const worker = async (): Promise<void> => {
    while (next < files.length && !stopped) {
      const index = next++;
      try {
        results[index] = await grade(files[index]!, index);
      } catch (error) {
        stopped = true; // the other workers take no new submission
        throw error;
      }
      done += 1;
      bar.update(done, files.length, path.basename(files[index]!));
    }
  };
  const workers = Math.min(jobsThatFit(jobs, limits.memoryMb, log), files.length);
  // Every worker ends (and stops its kernel) before a failure is passed on and the folders go.
  const ended = await Promise.allSettled(Array.from({ length: workers }, worker));
  bar.finish();
  const failed = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}
