/**
 * The grade sheet: grades.json (what `--json` prints), grades.csv (one row
 * per submission and exercise, then one total row per submission),
 * exercises.csv (how many submissions passed each exercise) and a feedback
 * page per submission with its failing messages. Sheets of the shares of a
 * sharded run merge into the sheet of the whole run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { escapeHtml } from '../notebook/display';
import { writeFileAtomic } from '../util/atomic-write';
import type { SubmissionGrade } from './grade-notebook';

/** Per exercise over all submissions. */
export interface ExerciseSummary {
  readonly id: string;
  readonly max: number;
  /** Submissions that scored it. */
  readonly passed: number;
  /** Submissions that have it. */
  readonly submissions: number;
}

/** grades.json; `submissions` is the `--json` interface. */
export interface GradeSheet {
  readonly format: 'actlab-grades';
  readonly version: 1;
  /** The share this sheet grades, null for all submissions. */
  readonly shard: { readonly index: number; readonly count: number } | null;
  /** How the kernels were kept out of the instructor's folders: `namespace` or `none`. */
  readonly isolation: string;
  readonly submissions: readonly SubmissionGrade[];
  readonly exercises: readonly ExerciseSummary[];
}

export const SHEET_FILE = 'grades.json';

/** The sheet of `grades` (submissions sorted by file). */
export function sheetOf(
  grades: readonly SubmissionGrade[],
  shard: GradeSheet['shard'] | undefined,
  isolation: string,
): GradeSheet {
  const submissions = [...grades].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const summary = new Map<string, { max: number; passed: number; submissions: number }>();
  for (const grade of submissions) {
    for (const e of grade.exercises) {
      const entry = summary.get(e.id) ?? { max: e.max, passed: 0, submissions: 0 };
      entry.submissions += 1;
      if (e.reason === null) entry.passed += 1;
      summary.set(e.id, entry);
    }
  }
  const exercises = [...summary].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, e]) => ({ id, ...e }));
  return { format: 'actlab-grades', version: 1, shard: shard ?? null, isolation, submissions, exercises };
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
const field = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};
const csv = (rows: readonly unknown[][]): string => rows.map((row) => row.map(field).join(',')).join('\n') + '\n';

/** grades.csv: a row per submission and exercise, then the submission's total. */
export function gradesCsv(sheet: GradeSheet): string {
  const rows: unknown[][] = [['file', 'exercise', 'points', 'max', 'passed_checks', 'checks', 'seconds', 'reason']];
  for (const s of sheet.submissions) {
    for (const e of s.exercises) rows.push([s.file, e.id, e.points, e.max, e.passed, e.checks, e.seconds, e.reason]);
    rows.push([s.file, 'total', s.total, s.max, '', '', s.seconds, s.error ?? '']);
  }
  return csv(rows);
}

/** exercises.csv: how many submissions scored each exercise. */
export function exercisesCsv(sheet: GradeSheet): string {
  return csv([
    ['exercise', 'max', 'passed', 'submissions'],
    ...sheet.exercises.map((e) => [e.id, e.max, e.passed, e.submissions]),
  ]);
}

/** The feedback page of one submission: its total, and per exercise the points and the first failing message. */
export function feedbackHtml(grade: SubmissionGrade): string {
  const rows = grade.exercises
    .map(
      (e) =>
        `<tr class="${e.reason === null ? 'ok' : 'no'}"><td>${escapeHtml(e.id)}</td><td>${e.points} / ${e.max}</td>` +
        `<td>${e.passed} / ${e.checks}</td><td>${e.reason === null ? '✔' : `<pre>${escapeHtml(e.reason)}</pre>`}</td></tr>`,
    )
    .join('\n');
  const problem = grade.error ? `<p class="no">${escapeHtml(grade.error)}</p>` : '';
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>Feedback: ${escapeHtml(grade.file)}</title>`,
    '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.3em .6em;text-align:left;' +
      'vertical-align:top}tr.no td{background:#fdecea}tr.ok td{background:#edf7ed}pre{white-space:pre-wrap;margin:0}</style>',
    '</head><body>',
    `<h1>${escapeHtml(path.basename(grade.file))}: ${grade.total} / ${grade.max} points</h1>`,
    `<p>${escapeHtml(grade.file)}, graded against ${escapeHtml(grade.source ?? 'no instructor notebook')}.</p>`,
    problem,
    '<table><tr><th>exercise</th><th>points</th><th>checks passed</th><th>what failed first</th></tr>',
    rows,
    '</table></body></html>',
    '',
  ].join('\n');
}

/** Writes grades.json, grades.csv, exercises.csv and feedback/<stem>.html under `out`. */
export function writeSheet(out: string, sheet: GradeSheet, stem: (file: string) => string): void {
  fs.mkdirSync(path.join(out, 'feedback'), { recursive: true });
  writeFileAtomic(path.join(out, SHEET_FILE), `${JSON.stringify(sheet, null, 2)}\n`);
  writeFileAtomic(path.join(out, 'grades.csv'), gradesCsv(sheet));
  writeFileAtomic(path.join(out, 'exercises.csv'), exercisesCsv(sheet));
  for (const grade of sheet.submissions) {
    writeFileAtomic(path.join(out, 'feedback', `${stem(grade.file)}.html`), feedbackHtml(grade));
  }
}

/** Joining the shares' sheets found a problem: shares missing, twice, or from different runs. */
export class MergeGradesError extends Error {
  override name = 'MergeGradesError';
}

/** The sheet of the whole run from the sheets of its shares; names any share missing or given twice. */
export function mergeSheets(sheets: ReadonlyArray<{ readonly file: string; readonly sheet: GradeSheet }>): GradeSheet {
  if (sheets.length === 0) throw new MergeGradesError('no sheets to merge: give the grades.json of every share');
  const counts = new Set(sheets.map(({ sheet }) => sheet.shard?.count ?? 1));
  if (counts.size > 1) {
    throw new MergeGradesError(
      `the sheets come from runs of different share counts (${[...counts].join(', ')}): ${sheets.map((s) => s.file).join(', ')}`,
    );
  }
  const count = [...counts][0]!;
  const seen = new Map<number, string>();
  for (const { file, sheet } of sheets) {
    const index = sheet.shard?.index ?? 0;
    const earlier = seen.get(index);
    if (earlier) throw new MergeGradesError(`share ${index}/${count} is given twice: ${earlier} and ${file}`);
    seen.set(index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length > 0) {
    throw new MergeGradesError(
      `missing ${missing.length === 1 ? 'share' : 'shares'} ${missing.map((i) => `${i}/${count}`).join(', ')} of ${count}: ` +
        `grade ${missing.map((i) => `--shard ${i}/${count}`).join(' and ')} and merge again`,
    );
  }
  const isolation = [...new Set(sheets.map(({ sheet }) => sheet.isolation))].sort().join('+');
  return sheetOf(
    sheets.flatMap(({ sheet }) => sheet.submissions),
    null,
    isolation,
  );
}

/** Reads a grades.json, naming the file when it is not one. */
export function readSheet(file: string): GradeSheet {
  let parsed: GradeSheet;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as GradeSheet;
  } catch (error) {
    throw new MergeGradesError(`${file} is not a readable grade sheet: ${(error as Error).message}`);
  }
  if (parsed.format !== 'actlab-grades' || !Array.isArray(parsed.submissions)) {
    throw new MergeGradesError(`${file} is not an actlab grade sheet (grades.json of actlab course grade)`);
  }
  return parsed;
}
