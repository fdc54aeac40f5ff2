/**
 * `actlab course` on a small course (test/helpers/course-fixture.ts), through
 * the CLI and real tslab kernels: the release (stubs, no hidden checks or
 * answers, the same bytes twice, a broken convention named), grading of the
 * solutions (full marks), the stubs (zero, no crash) and hostile submissions
 * (each costs only its exercise, with the reason, within the limits), sharded
 * grading merged, and the refusal of a second grader in the same folder.
 * The real course's release and grading run in solutions.test.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';

import type { GradeSheet } from '../src/lib/course';
import { correctAnswers, submission, TINY_EXERCISES, TINY_SOURCE, writeTinyCourse } from './helpers/course-fixture';
import { CLI, tempDir } from './helpers/fixtures';
import { runCliAsync } from './helpers/run-async';

const ROOT_DIR = tempDir('actlab-course-');
const COURSE = path.join(ROOT_DIR, 'course');
const SOURCE = writeTinyCourse(COURSE);
const RELEASE = path.join(ROOT_DIR, 'release');
const RELEASED = path.join(RELEASE, 'notebooks', 'exercises', '01_tiny_exercises.ipynb');
const SUBMISSIONS = path.join(ROOT_DIR, 'submissions');

const sheetOf = (stdout: string): GradeSheet => JSON.parse(stdout.trim().split('\n').at(-1)!) as GradeSheet;
const exerciseOf = (sheet: GradeSheet, file: string, id: string) => {
  const found = sheet.submissions.find((s) => s.file === file)?.exercises.find((e) => e.id === id);
  assert.ok(found, `${file} ${id} in the sheet`);
  return found;
};
const withoutTimes = (sheet: GradeSheet) =>
  sheet.submissions.map((s) => ({ ...s, seconds: 0, exercises: s.exercises.map((e) => ({ ...e, seconds: 0 })) }));

describe('actlab course release', () => {
  before(async () => {
    const run = await runCliAsync(['course', 'release', '--out', RELEASE, '--source', SOURCE, '--chapters', COURSE]);
    assert.equal(run.code, 0, run.stderr);
  });

  it('writes stubs, drops hidden checks and answers, clears outputs, keeps ids; twice gives the same bytes', async () => {
    const released = JSON.parse(fs.readFileSync(RELEASED, 'utf8')) as {
      cells: Array<{ id: string; source: string[] }>;
    };
    const text = JSON.stringify(released);
    const byId = new Map(released.cells.map((c) => [c.id, c.source.join('')]));
    assert.equal(
      byId.get('ex1-sol'),
      "function double(x: number): number {\n  throw exercise.yourCodeHere('01-ex1');\n}",
    );
    assert.equal(byId.get('ex1-check'), TINY_EXERCISES[0].check);
    assert.equal(byId.has('ex1-hidden'), false, 'hidden check removed');
    assert.doesNotMatch(text, /return 2 \* x|double\(-3\.5\)|secret prose answer/);
    assert.match(byId.get('ex2-a') ?? '', /Your answer/);
    const manifest = JSON.parse(fs.readFileSync(path.join(RELEASE, 'manifest.json'), 'utf8')) as { points: number };
    assert.equal(manifest.points, 6);
    for (const file of ['notebooks/01_tiny.ipynb', 'colab/exercises/01_tiny_exercises.ipynb', 'colab/01_tiny.ipynb']) {
      assert.ok(fs.existsSync(path.join(RELEASE, file)), file);
    }
    const again = path.join(ROOT_DIR, 'release-again');
    assert.equal(
      (await runCliAsync(['course', 'release', '--out', again, '--source', SOURCE, '--chapters', COURSE])).code,
      0,
    );
    const files = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    assert.deepEqual(files(again), files(RELEASE));
    for (const file of files(RELEASE).filter((f) => f.endsWith('.ipynb') || f.endsWith('.json'))) {
      assert.ok(
        fs.readFileSync(path.join(again, file)).equals(fs.readFileSync(path.join(RELEASE, file))),
        `${file} identical`,
      );
    }
  });

  it('refuses an exercise without a hidden check, naming the file and the exercise', async () => {
    const broken = path.join(ROOT_DIR, 'broken');
    fs.mkdirSync(broken);
    const nb = JSON.parse(fs.readFileSync(path.join(SOURCE, TINY_SOURCE), 'utf8')) as { cells: Array<{ id: string }> };
    nb.cells = nb.cells.filter((c) => c.id !== 'ex2-hidden');
    fs.writeFileSync(path.join(broken, TINY_SOURCE), JSON.stringify(nb));
    const run = await runCliAsync(['course', 'release', '--out', path.join(ROOT_DIR, 'r2'), '--source', broken]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.trim(),
      `actlab: ${TINY_SOURCE}: 01-ex2 has 1 check and 0 hidden-check cells; it needs at least one of each`,
    );
  });
});

describe('actlab course grade', () => {
  const unsharded = path.join(ROOT_DIR, 'grades');
  let sheet: GradeSheet;
  const good = path.join(SUBMISSIONS, 'ada', '01_tiny_exercises.ipynb');
  const stub = path.join(SUBMISSIONS, 'bob', '01_tiny_exercises.ipynb');
  const partial = path.join(SUBMISSIONS, 'cy', '01_tiny_exercises.ipynb');

  before(async () => {
    submission(RELEASED, good, correctAnswers());
    submission(RELEASED, stub, {});
    // 01-ex2 passes its visible check by a hard-coded value; the hidden check catches it.
    submission(RELEASED, partial, {
      ...correctAnswers(),
      '01-ex2': 'function squareSum(values: number[]): number {\n  return 5;\n}',
    });
    const run = await runCliAsync(
      [
        'course',
        'grade',
        good,
        stub,
        partial,
        path.join(SOURCE, TINY_SOURCE),
        '--source',
        SOURCE,
        '--out',
        unsharded,
        '--json',
      ],
      {},
      300_000,
    );
    assert.equal(run.code, 0, run.stderr);
    sheet = sheetOf(run.stdout);
  });

  it('the solutions score full marks, the stubs zero, a hard-coded answer fails its hidden check', () => {
    const byFile = new Map(sheet.submissions.map((s) => [s.file, s]));
    assert.deepEqual([byFile.get(good)?.total, byFile.get(good)?.max], [6, 6]);
    assert.deepEqual(
      [byFile.get(path.join(SOURCE, TINY_SOURCE))?.total, byFile.get(path.join(SOURCE, TINY_SOURCE))?.max],
      [6, 6],
    );
    assert.equal(byFile.get(stub)?.total, 0);
    for (const e of byFile.get(stub)!.exercises) {
      assert.match(e.reason ?? '', new RegExp(`^YourCodeHereError: ${e.id}: your code here`), e.id);
    }
    const hardCoded = exerciseOf(sheet, partial, '01-ex2');
    assert.deepEqual([hardCoded.points, hardCoded.passed, hardCoded.checks], [0, 1, 2]);
    assert.equal(hardCoded.reason, 'ExerciseCheckError: 01-ex2: squareSum([]): expected 0, got 5');
    assert.equal(byFile.get(partial)?.total, 3);
    for (const key of ['file', 'total', 'max', 'exercises']) assert.ok(key in byFile.get(good)!, key);
    for (const key of ['id', 'points', 'max', 'passed', 'reason'])
      assert.ok(key in byFile.get(good)!.exercises[0]!, key);
    assert.deepEqual(
      sheet.exercises.map((e) => [e.id, e.passed, e.submissions]),
      [
        ['01-ex1', 3, 4],
        ['01-ex2', 2, 4],
        ['01-ex3', 3, 4],
      ],
    );
  });

  it('writes grades.csv, exercises.csv and a feedback page per submission', () => {
    const csv = fs.readFileSync(path.join(unsharded, 'grades.csv'), 'utf8').split('\n');
    assert.equal(csv[0], 'file,exercise,points,max,passed_checks,checks,seconds,reason');
    assert.ok(csv.some((line) => line.startsWith(`${partial},01-ex2,0,3,1,2,`) && line.endsWith('expected 0, got 5"')));
    assert.ok(csv.some((line) => line.startsWith(`${partial},total,3,6,`)));
    assert.equal(fs.readFileSync(path.join(unsharded, 'exercises.csv'), 'utf8').split('\n')[2], '01-ex2,3,2,4');
    const pages = fs.readdirSync(path.join(unsharded, 'feedback'));
    assert.equal(pages.length, 4);
    const page = fs.readFileSync(
      path.join(
        unsharded,
        'feedback',
        pages.find((p) => p.includes('cy'))!,
      ),
      'utf8',
    );
    assert.match(page, /3 \/ 6 points/);
    assert.match(page, /squareSum\(\[\]\): expected 0, got 5/);
  });

  it('sharded into two shares and merged, the sheet equals the unsharded one; a missing share is named', async () => {
    const files = [good, stub, partial, path.join(SOURCE, TINY_SOURCE)];
    const shares = ['0/2', '1/2'].map((shard, i) => path.join(ROOT_DIR, `share-${i}`));
    for (const [i, out] of shares.entries()) {
      const run = await runCliAsync(
        ['course', 'grade', ...files, '--source', SOURCE, '--out', out, '--shard', `${i}/2`],
        {},
        300_000,
      );
      assert.equal(run.code, 0, run.stderr);
    }
    const sheets = shares.map((out) => path.join(out, 'grades.json'));
    const merged = await runCliAsync([
      'course',
      'merge-grades',
      ...sheets,
      '--out',
      path.join(ROOT_DIR, 'merged'),
      '--json',
    ]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual(withoutTimes(sheetOf(merged.stdout)), withoutTimes(sheet));
    assert.deepEqual(sheetOf(merged.stdout).exercises, sheet.exercises);
    const missing = await runCliAsync(['course', 'merge-grades', sheets[1]!, '--out', path.join(ROOT_DIR, 'merged-1')]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'actlab: missing share 0/2 of 2: grade --shard 0/2 and merge again');
  });
});

describe('actlab course grade: hostile submissions', () => {
  /** Exercise 01-ex2's cell in each hostile submission, and what its reason must say. */
  const HOSTILE: Array<{ name: string; cell: string; reason: RegExp }> = [
    {
      name: 'endless-loop',
      cell: 'function squareSum(values: number[]): number {\n  return 0;\n}\nwhile (true) {}',
      reason: /^the solution cell \(id ex2-sol\) still running after 30 s \(the time limit of a cell\)/,
    },
    {
      name: 'exits',
      cell: 'function squareSum(values: number[]): number {\n  return 0;\n}\nprocess.exit(3);',
      reason: /^the solution cell \(id ex2-sol\) ended the kernel: exited with code 3$/,
    },
    {
      name: 'crashes',
      cell: "function squareSum(values: number[]): number {\n  return 0;\n}\nprocess.kill(process.pid, 'SIGSEGV');",
      reason: /^the solution cell \(id ex2-sol\) ended the kernel: was killed by SIGSEGV$/,
    },
    {
      name: 'floods',
      cell: "function squareSum(values: number[]): number {\n  return 0;\n}\nfor (let i = 0; i < 20000; i++) console.log('x'.repeat(500));",
      reason: /^the solution cell \(id ex2-sol\) printed more than 2 MB \(the output limit\)$/,
    },
    {
      name: 'hogs-memory',
      cell: 'const hog: Float64Array[] = [];\nfor (;;) hog.push(new Float64Array(1e7).fill(1));\nfunction squareSum(values: number[]): number {\n  return 0;\n}',
      reason: /^the solution cell \(id ex2-sol\) used more than 1200 MB of memory \(the limit\)$/,
    },
    {
      name: 'reads-solutions',
      cell:
        "import * as fs from 'node:fs';\n" +
        `const answer = fs.readFileSync(${JSON.stringify(path.join(SOURCE, TINY_SOURCE))}, 'utf8');\n` +
        "const squareSum = (values: number[]): number => (answer.includes('v * v') ? values.reduce((s, v) => s + v * v, 0) : 0);",
      reason: /^Error: ENOENT: no such file or directory, open '.*01_tiny_solutions\.ipynb'$/,
    },
    {
      name: 'unmounts-then-reads',
      cell:
        "import { execFileSync } from 'node:child_process';\n" +
        `execFileSync('umount', [${JSON.stringify(SOURCE)}], { stdio: 'pipe' });\n` +
        'function squareSum(values: number[]): number {\n  return 0;\n}',
      reason: /^Error: Command failed: umount \//,
    },
    {
      name: 'reads-through-proc',
      cell:
        "import * as fs from 'node:fs';\n" +
        '// Any process whose root sees the solutions would do: the grader is one, if it were visible.\n' +
        "const roots = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p));\n" +
        `const found = roots.map((p) => \`/proc/\${p}/root${path.join(SOURCE, TINY_SOURCE)}\`).find((f) => fs.existsSync(f));\n` +
        'if (found === undefined) throw new Error(`no process shows the solutions (${roots.length} processes in /proc)`);\n' +
        'function squareSum(values: number[]): number {\n  return 0;\n}',
      reason: /^Error: no process shows the solutions \(\d+ processes in \/proc\)$/,
    },
  ];

  it('each costs only its own exercise, with the reason, and the grader finishes within its limits', async () => {
    const files = HOSTILE.map(({ name, cell }) =>
      submission(RELEASED, path.join(SUBMISSIONS, name, '01_tiny_exercises.ipynb'), {
        ...correctAnswers(),
        '01-ex2': cell,
      }),
    );
    const deleted = path.join(SUBMISSIONS, 'deleted', '01_tiny_exercises.ipynb');
    submission(RELEASED, deleted, correctAnswers());
    const nb = JSON.parse(fs.readFileSync(deleted, 'utf8')) as { cells: Array<{ id: string }> };
    nb.cells = nb.cells.filter((c) => c.id !== 'ex2-sol');
    fs.writeFileSync(deleted, JSON.stringify(nb));
    const garbage = path.join(SUBMISSIONS, 'garbage', '01_tiny_exercises.ipynb');
    fs.mkdirSync(path.dirname(garbage), { recursive: true });
    fs.writeFileSync(garbage, 'not a notebook');
    const started = Date.now();
    const args = [
      'course',
      'grade',
      ...files,
      deleted,
      garbage,
      '--source',
      SOURCE,
      '--out',
      path.join(ROOT_DIR, 'hostile'),
    ];
    const limits = '--cell-timeout 30 --timeout 120 --memory-mb 1200 --max-output-mb 2 --jobs 2 --json'.split(' ');
    const run = await runCliAsync([...args, ...limits], {}, 600_000);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.code, 0, run.stderr);
    const sheet = sheetOf(run.stdout);
    for (const [i, { name, reason }] of HOSTILE.entries()) {
      const file = files[i]!;
      assert.match(exerciseOf(sheet, file, '01-ex2').reason ?? '', reason, name);
      assert.equal(exerciseOf(sheet, file, '01-ex2').points, 0, name);
      assert.deepEqual(
        [exerciseOf(sheet, file, '01-ex1').points, exerciseOf(sheet, file, '01-ex3').points],
        [2, 1],
        `${name}: the exercises before and after it keep their points`,
      );
    }
    assert.equal(
      exerciseOf(sheet, deleted, '01-ex2').reason,
      'the submission has no solution cell for 01-ex2 (was it deleted?)',
    );
    assert.equal(sheet.submissions.find((s) => s.file === deleted)?.total, 3);
    const broken = sheet.submissions.find((s) => s.file === garbage);
    assert.match(broken?.error ?? '', /01_tiny_exercises\.ipynb is not a readable notebook/);
    assert.equal(sheet.isolation, 'namespace');
    // 8 submissions, 2 at a time; the endless loop costs 30 s and a restart: far below 8 × 120 s.
    assert.ok(seconds < 300, `${seconds.toFixed(0)} s`);
  });

  it('a second grader writing the same folder is refused, naming the first', async () => {
    const out = path.join(ROOT_DIR, 'busy');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, '.grade.lock'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const run = await runCliAsync([
      'course',
      'grade',
      path.join(SOURCE, TINY_SOURCE),
      '--source',
      SOURCE,
      '--out',
      out,
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`is being written by another grader \\(pid ${process.pid} on `));
  });
});

describe('actlab course grade: interrupted', () => {
  /** Host pids of the kernels a grader started: processes running tslab whose folder is a grading folder. */
  const gradingKernels = (): number[] =>
    fs
      .readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cwd = fs.readlinkSync(`/proc/${p}/cwd`);
          const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cwd.startsWith(path.join(os.tmpdir(), 'actlab-grade-')) && cmdline.includes('tslab');
        } catch {
          return false;
        }
      })
      .map(Number);

  it('Ctrl-C stops the kernel at once, writes no sheet and leaves no lock or process behind', async () => {
    const loop = submission(RELEASED, path.join(SUBMISSIONS, 'interrupted', '01_tiny_exercises.ipynb'), {
      ...correctAnswers(),
      '01-ex2': 'function squareSum(values: number[]): number {\n  return 0;\n}\nwhile (true) {}',
    });
    const out = path.join(ROOT_DIR, 'interrupted');
    const child = spawn(process.execPath, [CLI, 'course', 'grade', loop, '--source', SOURCE, '--out', out]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 120_000;
    let kernels: number[] = [];
    while (kernels.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      kernels = gradingKernels();
    }
    assert.ok(kernels.length > 0, 'a kernel started');
    await new Promise((resolve) => setTimeout(resolve, 3000)); // into the notebook
    const sent = Date.now();
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.ok(Date.now() - sent < 15_000, `${Date.now() - sent} ms to stop`);
    assert.match(stderr, /course grade: grading was interrupted: its kernels were stopped, and no sheet was written/);
    assert.deepEqual(
      fs.readdirSync(out).filter((f) => f === 'grades.json' || f === '.grade.lock'),
      [],
    );
    assert.deepEqual(
      kernels.filter((pid) => fs.existsSync(`/proc/${pid}`)),
      [],
      'no kernel is left',
    );
  });
});
