/**
 * A Kinetics subset from its CSV (`label,youtube_id,time_start,time_end,split`).
 * YouTube access differs by place and changes often, so the video itself is
 * fetched by a command the user gives (`yt-dlp ...`); actlab runs it per row,
 * checks the result with ffprobe, cuts `time_start..time_end` with the bundled
 * ffmpeg and files the clip as `<label>/<id>_<start>_<end>.mp4` — the names the
 * kinetics-csv reader looks for. Done clips are skipped on a re-run; rows that
 * fail are listed in `failures.csv` and retried on the next run.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseCsvLine } from '../data/kinetics';
import { loadDataset } from '../data/registry';
import { probe } from '../video/probe';
import { locateTool } from '../video/ffmpeg';
import { downloadFile } from './http-download';

export interface KineticsFetchOptions {
  /** A local CSV path or an http(s) URL of one (e.g. the CVDF `.../kinetics/400/annotations/val.csv`). */
  readonly csv: string;
  readonly out: string;
  /**
   * Shell command fetching one video into a folder. Placeholders: `{id}` (YouTube id),
   * `{url}` (https://www.youtube.com/watch?v=ID), `{out}` (an empty folder to write exactly one video into).
   * Example: `yt-dlp -q -f "mp4[height<=360]" -o "{out}/%(id)s.%(ext)s" {url}`.
   */
  readonly fetchCommand: string;
  /** Keep only these labels. @default every label */
  readonly classes?: readonly string[];
  /** At most this many rows per label (in CSV order). @default all */
  readonly perClass?: number;
  /** Fetches at once. @default 2 */
  readonly concurrency?: number;
  /** Seconds allowed per fetch command. @default 300 */
  readonly fetchTimeoutS?: number;
  readonly onProgress?: (done: number, total: number, failed: number) => void;
  readonly signal?: AbortSignal;
}

export interface KineticsFetchResult {
  readonly root: string;
  /** Rows selected from the CSV. */
  readonly rows: number;
  readonly fetched: number;
  /** Clips already on disk from an earlier run. */
  readonly skipped: number;
  readonly failed: ReadonlyArray<{ readonly id: string; readonly error: string }>;
  /** Clips the kinetics-csv reader finds afterwards. */
  readonly items: number;
  readonly seconds: number;
}

interface Row {
  readonly label: string;
  readonly id: string;
  readonly start: number;
  readonly end: number;
  readonly split: string;
}

export async function fetchKinetics(options: KineticsFetchOptions): Promise<KineticsFetchResult> {
  const started = Date.now();
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  if (!options.fetchCommand.includes('{id}') && !options.fetchCommand.includes('{url}')) {
    throw new Error(`the fetch command must contain {id} or {url}, got "${options.fetchCommand}"`);
  }
  let csvFile = options.csv;
  if (/^https?:\/\//.test(csvFile)) {
    csvFile = path.join(out, 'downloads', path.basename(new URL(csvFile).pathname) || 'kinetics.csv');
    await downloadFile({ url: options.csv, file: csvFile, signal: options.signal });
  }
  if (!fs.existsSync(csvFile)) throw new Error(`${csvFile} not found: give a Kinetics CSV path or URL`);
  const rows = selectRows(readRows(csvFile), options);
  if (rows.length === 0) throw new Error(`${csvFile}: no rows left after the class/per-class filters`);
  // The reader finds clips through a CSV in the root: write the selected rows there.
  fs.writeFileSync(
    path.join(out, 'kinetics-subset.csv'),
    [
      'label,youtube_id,time_start,time_end,split',
      ...rows.map((r) => [quote(r.label), r.id, r.start, r.end, r.split].join(',')),
    ].join('\n') + '\n',
  );
  const failed: Array<{ id: string; error: string }> = [];
  let fetched = 0;
  let skipped = 0;
  let done = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      options.signal?.throwIfAborted();
      const row = rows[next++] as Row;
      const target = path.join(out, safeName(row.label), `${row.id}_${pad6(row.start)}_${pad6(row.end)}.mp4`);
      try {
        if (fs.existsSync(target)) skipped++;
        else {
          await fetchRow(row, target, options);
          fetched++;
        }
      } catch (error) {
        failed.push({ id: row.id, error: (error as Error).message });
      }
      done++;
      options.onProgress?.(done, rows.length, failed.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 2, rows.length) }, worker));
  const failures = path.join(out, 'failures.csv');
  if (failed.length) {
    fs.writeFileSync(
      failures,
      ['youtube_id,error', ...failed.map((f) => `${f.id},${quote(f.error)}`)].join('\n') + '\n',
    );
  } else fs.rmSync(failures, { force: true });
  const items = fetched + skipped > 0 ? loadDataset(out, { layout: 'kinetics-csv' }).items.length : 0;
  return { root: out, rows: rows.length, fetched, skipped, failed, items, seconds: (Date.now() - started) / 1000 };
}

async function fetchRow(row: Row, target: string, options: KineticsFetchOptions): Promise<void> {
  const work = path.join(path.dirname(target), `.fetch-${row.id}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  try {
    const command = options.fetchCommand
      .replaceAll('{id}', row.id)
      .replaceAll('{url}', `https://www.youtube.com/watch?v=${row.id}`)
      .replaceAll('{out}', work);
    await run('sh', ['-c', command], (options.fetchTimeoutS ?? 300) * 1000, options.signal);
    const files = fs.readdirSync(work).filter((f) => !f.endsWith('.part'));
    if (files.length !== 1) {
      throw new Error(`the fetch command left ${files.length} files in its {out} folder (expected one video)`);
    }
    const source = path.join(work, files[0] as string);
    const info = await probe(source);
    if (info.duration > 0 && info.duration < row.start) {
      throw new Error(`the video lasts ${info.duration.toFixed(1)}s, shorter than time_start ${row.start}`);
    }
    const temp = path.join(work, 'clip.mp4');
    // prettier-ignore
    await run(locateTool('ffmpeg').path, [
      '-hide_banner', '-v', 'error', '-y', '-ss', String(row.start), '-i', source, '-t', String(row.end - row.start),
      '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-threads', '1', temp,
    ], 600_000, options.signal);
    const clip = await probe(temp);
    if (!(clip.width > 0)) throw new Error('the trimmed clip has no video stream');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(temp, target);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, signal });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-600)));
    child.on('error', reject);
    child.on('close', (code, killed) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `${path.basename(command)} ${killed ? `was stopped (${killed})` : `exited with ${code}`}: ${stderr.trim() || 'no output'}`,
          ),
        );
    });
  });
}

function readRows(file: string): Row[] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const header = parseCsvLine(lines[0] ?? '');
  const col = (name: string): number => header.indexOf(name);
  for (const name of ['label', 'youtube_id', 'time_start', 'time_end']) {
    if (col(name) < 0)
      throw new Error(
        `${file}: the header has no "${name}" column (expected label,youtube_id,time_start,time_end,split)`,
      );
  }
  return lines
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => {
      const cells = parseCsvLine(line);
      return {
        label: cells[col('label')] ?? '',
        id: cells[col('youtube_id')] ?? '',
        start: Number(cells[col('time_start')]),
        end: Number(cells[col('time_end')]),
        split: col('split') >= 0 ? (cells[col('split')] ?? '') : '',
      };
    })
    .filter((row) => row.label && /^[A-Za-z0-9_-]{6,20}$/.test(row.id) && row.end > row.start);
}

function selectRows(rows: readonly Row[], options: KineticsFetchOptions): Row[] {
  const wanted = options.classes ? new Set(options.classes) : undefined;
  const counts = new Map<string, number>();
  return rows.filter((row) => {
    if (wanted && !wanted.has(row.label)) return false;
    const count = counts.get(row.label) ?? 0;
    if (options.perClass !== undefined && count >= options.perClass) return false;
    counts.set(row.label, count + 1);
    return true;
  });
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9 _()-]+/g, '_').replace(/ /g, '_');
}

function pad6(n: number): string {
  return String(Math.round(n)).padStart(6, '0');
}

function quote(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""').replace(/\n/g, ' ')}"` : text;
}
