/**
 * Kinetics-style CSV (`label,youtube_id,time_start,time_end,split`) pointing
 * at local clips named `<youtube_id>_<start 6 digits>_<end 6 digits>.<ext>`
 * (or `<youtube_id>.<ext>`) anywhere under the root. Group = YouTube id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { DatasetError, makeDataset, type Split, VIDEO_EXTENSIONS, type VideoDataset, type VideoItem } from './types';
import { hasExtension, listDir, requireFolder } from './walk';

const HEADER = ['label', 'youtube_id', 'time_start', 'time_end', 'split'];

/** CSV files in `root` whose header starts with Kinetics' columns. */
export function findKineticsCsvs(root: string): string[] {
  return listDir(root)
    .filter((e) => !e.isDir && e.name.toLowerCase().endsWith('.csv'))
    .filter((e) =>
      parseCsvLine(fs.readFileSync(e.path, 'utf8').split(/\r?\n/)[0] ?? '')
        .join(',')
        .startsWith(HEADER.slice(0, 4).join(',')),
    )
    .map((e) => e.path);
}

export function readKineticsCsv(root: string): VideoDataset {
  const dir = requireFolder(root);
  const csvs = findKineticsCsvs(dir);
  if (csvs.length === 0) throw new DatasetError(`${dir}: no CSV with header ${HEADER.join(',')} found`);
  const warnings: string[] = [];
  const files = new Map<string, string>(); // stem → path
  const visit = (folder: string): void => {
    for (const entry of listDir(folder, warnings)) {
      if (entry.isDir) visit(entry.path);
      else if (hasExtension(entry.name, VIDEO_EXTENSIONS))
        files.set(path.basename(entry.name, path.extname(entry.name)), entry.path);
    }
  };
  visit(dir);
  const items: VideoItem[] = [];
  for (const csv of csvs) {
    const rows = fs.readFileSync(csv, 'utf8').split(/\r?\n/);
    const header = parseCsvLine(rows[0] ?? '');
    const col = (name: string): number => header.indexOf(name);
    rows.slice(1).forEach((row, i) => {
      if (!row.trim()) return;
      const cells = parseCsvLine(row);
      const label = cells[col('label')];
      const id = cells[col('youtube_id')];
      if (!label || !id) {
        warnings.push(`${csv}:${i + 2}: skipped, missing label or youtube_id`);
        return;
      }
      const start = Number(cells[col('time_start')]);
      const end = Number(cells[col('time_end')]);
      const stem = `${id}_${pad6(start)}_${pad6(end)}`;
      const file = files.get(stem) ?? files.get(id);
      if (!file) {
        warnings.push(`${csv}:${i + 2}: no local file for ${id} (expected ${stem}.mp4 under ${dir}); skipped`);
        return;
      }
      items.push({ path: file, label, group: id, split: splitName(cells[col('split')]), kind: 'video' });
    });
  }
  if (items.length === 0)
    throw new DatasetError(
      `${dir}: none of the CSV rows point at a local video file; download the clips next to the CSV`,
    );
  return makeDataset(dir, 'kinetics-csv', items, warnings);
}

function pad6(n: number): string {
  return String(Math.round(n)).padStart(6, '0');
}

function splitName(text: string | undefined): Split | undefined {
  const s = (text ?? '').trim().toLowerCase();
  if (s === 'train' || s === 'training') return 'train';
  if (s === 'val' || s === 'valid' || s === 'validate' || s === 'validation') return 'val';
  if (s === 'test' || s === 'testing') return 'test';
  return undefined;
}

/** One CSV line with double-quoted fields ("" is a quote). */
export function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}
