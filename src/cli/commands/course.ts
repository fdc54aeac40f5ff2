import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  CourseGradeError,
  CourseNotebookError,
  feedbackStem,
  gradeCourse,
  gradesCsv,
  GradingInterruptedError,
  type GradeSheet,
  mergeSheets,
  MergeGradesError,
  readSheet,
  releaseCourse,
  writeSheet,
} from '../../lib/course';
import { type Command, parseFlags, UsageError } from '../command';
import { INTERRUPTED_EXIT } from './extract';
import { parseShard, positiveIntFlag, positiveNumberFlag } from './flags';

const HELP = [
  'actlab course release --out DIR: the student copy of the course',
  '  --out DIR           where it goes: notebooks/ (chapters), notebooks/exercises/ (solutions stubbed,',
  '                      hidden checks removed), colab/ (their Colab variants), manifest.json',
  '  --source DIR        the instructor notebooks, NN_name_solutions.ipynb (default notebooks/solutions)',
  '  --chapters DIR      the chapters (default notebooks)',
  '',
  'actlab course grade SUBMISSION.ipynb...: run each submission with the hidden checks and score it',
  '  --out DIR           grades.json, grades.csv, exercises.csv, feedback/*.html, executed/*.ipynb',
  '                      (default out/grades)',
  '  --source DIR        the instructor notebooks (default notebooks/solutions)',
  '  --jobs N            submissions graded at once (lowered to what the memory limit lets fit)',
  '  --shard i/N         grade share i of N (submission k when k % N == i; or --shard-count N with',
  '                      JOB_COMPLETION_INDEX set, as in a Kubernetes Indexed Job)',
  '  --timeout S         seconds a notebook may run in all (default 3600)',
  '  --cell-timeout S    seconds one cell may run (default 900)',
  '  --memory-mb MB      memory of a kernel and what it starts (default 6144)',
  '  --max-output-mb MB  output of one cell (default 32)',
  "  --no-isolation      grade where kernels cannot be kept out of the instructor's folders (not Linux)",
  '  --csv FILE          also write the per-exercise rows (grades.csv) to FILE',
  '  --json              print the sheet: {"submissions": [{"file", "total", "max", "exercises":',
  '                      [{"id", "points", "max", "passed", "checks", "reason", "seconds"}]}], ...}',
  '',
  'actlab course merge-grades SHEET.json...: join the grades.json of every share into one sheet',
  '  --out DIR           where the merged sheet goes (default out/grades)',
  '  --csv FILE, --json  as for grade',
  '',
  'A limit broken, process.exit() or a crash costs the exercise it happened in; the notebook is run',
  'again without it. docs/course.md: marking exercises, the limits, sharding, JupyterHub.',
].join('\n');

export const courseCommand: Command = {
  name: 'course',
  usage: 'course release|grade|merge-grades ... (see --help)',
  summary: 'for instructors: release the student copy, grade submitted notebooks with hidden checks, merge sheets',
  help: HELP,
  async run(args) {
    const [sub, ...rest] = args;
    try {
      if (sub === 'release') return release(rest);
      if (sub === 'grade') return await grade(rest);
      if (sub === 'merge-grades') return merge(rest);
    } catch (error) {
      if (
        error instanceof CourseNotebookError ||
        error instanceof CourseGradeError ||
        error instanceof MergeGradesError
      ) {
        throw new UsageError(error.message, 1);
      }
      throw error;
    }
    throw new UsageError(`usage: actlab course release|grade|merge-grades ...; actlab course --help says more`);
  },
};

function release(args: string[]): number {
  const { values, positionals } = parseFlags(
    args,
    { out: { type: 'string' }, source: { type: 'string' }, chapters: { type: 'string' }, json: { type: 'boolean' } },
    'course release',
  );
  if (!values.out || positionals.length > 0)
    throw new UsageError('usage: actlab course release --out DIR [--source DIR] [--chapters DIR] [--json]');
  const manifest = releaseCourse({ out: values.out, source: values.source, chapters: values.chapters });
  if (values.json) {
    console.log(JSON.stringify(manifest));
    return 0;
  }
  const exercises = manifest.notebooks.reduce((sum, n) => sum + n.exercises.length, 0);
  console.log(
    `released ${manifest.notebooks.length} exercises notebooks (${exercises} exercises, ${manifest.points} points) ` +
      `and their chapters to ${path.resolve(values.out)}`,
  );
  return 0;
}

async function grade(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      out: { type: 'string' },
      source: { type: 'string' },
      jobs: { type: 'string' },
      shard: { type: 'string' },
      'shard-count': { type: 'string' },
      timeout: { type: 'string' },
      'cell-timeout': { type: 'string' },
      'memory-mb': { type: 'string' },
      'max-output-mb': { type: 'string' },
      'no-isolation': { type: 'boolean' },
      csv: { type: 'string' },
      json: { type: 'boolean' },
    },
    'course grade',
  );
  if (positionals.length === 0)
    throw new UsageError('usage: actlab course grade SUBMISSION.ipynb... [flags]; actlab course --help lists them');
  const outputMb = positiveNumberFlag(values['max-output-mb'], '--max-output-mb');
  // Ctrl-C or SIGTERM stops the kernels (each in its own process group) before the command ends.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const sheet = await gradeCourse({
    signal: stop.signal,
    submissions: positionals,
    out: values.out ?? path.join('out', 'grades'),
    source: values.source,
    jobs: positiveIntFlag(values.jobs, '--jobs'),
    shard: parseShard(values.shard, values['shard-count']),
    allowNoIsolation: values['no-isolation'],
    limits: {
      timeoutSeconds: positiveNumberFlag(values.timeout, '--timeout'),
      cellTimeoutSeconds: positiveNumberFlag(values['cell-timeout'], '--cell-timeout'),
      memoryMb: positiveNumberFlag(values['memory-mb'], '--memory-mb'),
      outputBytes: outputMb === undefined ? undefined : Math.round(outputMb * 1024 * 1024),
    },
  })
    .catch((error: unknown) => {
      if (error instanceof GradingInterruptedError)
        throw new UsageError(`course grade: ${error.message}`, INTERRUPTED_EXIT);
      throw error;
    })
    .finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  return report(sheet, values);
}

function merge(args: string[]): number {
  const { values, positionals } = parseFlags(
    args,
    { out: { type: 'string' }, csv: { type: 'string' }, json: { type: 'boolean' } },
    'course merge-grades',
  );
  if (positionals.length === 0)
    throw new UsageError('usage: actlab course merge-grades SHEET.json... [--out DIR] [--csv FILE] [--json]');
  const sheet = mergeSheets(positionals.map((file) => ({ file, sheet: readSheet(file) })));
  writeSheet(path.resolve(values.out ?? path.join('out', 'grades')), sheet, feedbackStem);
  return report(sheet, values);
}

/** Prints the sheet (`--json`: the whole of it on one line) and writes `--csv`. */
function report(sheet: GradeSheet, values: { readonly csv?: string; readonly json?: boolean }): number {
  if (values.csv) fs.writeFileSync(values.csv, gradesCsv(sheet));
  if (values.json) {
    console.log(JSON.stringify(sheet));
    return 0;
  }
  for (const s of sheet.submissions) {
    const failed = s.exercises.filter((e) => e.reason !== null).map((e) => `${e.id}: ${e.reason!.split('\n')[0]}`);
    console.log(`${s.file}: ${s.total}/${s.max}${s.error ? ` (${s.error})` : ''}`);
    for (const line of failed) console.log(`  ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`);
  }
  const passed = sheet.exercises.map((e) => `${e.id} ${e.passed}/${e.submissions}`).join(', ');
  console.log(`passed per exercise: ${passed || 'none'}`);
  return 0;
}
