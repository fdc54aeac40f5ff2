/**
 * The chapter tables, written from the notebooks themselves (number, title,
 * "You will learn" line) and the minutes each took in the last
 * `npx actlab tutorial --readme` run, so that they never drift from them:
 * README.md has the short one (title and minutes), docs/chapters.md the full one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { markdownTable, readMarkedBlock, writeMarkedBlock } from '../util/markdown-table';

export const TABLE_START = '<!-- chapters:start (written by `npx actlab tutorial --readme`; do not edit by hand) -->';
export const TABLE_END = '<!-- chapters:end -->';

export interface ChapterRow {
  /** `07_c3d.ipynb`. */
  readonly notebook: string;
  /** `# 07 · C3D: convolutions that see time` without the number. */
  readonly title: string;
  /** What the "**You will learn**" line of the first cell says, or "" when there is none. */
  readonly objectives: string;
}

/** The numbered chapters of `notebooksDir`, in order, read from their first markdown cell. */
export function readChapters(notebooksDir: string): ChapterRow[] {
  return fs
    .readdirSync(notebooksDir)
    .filter((f) => /^\d\d_.*\.ipynb$/.test(f))
    .sort()
    .map((notebook) => {
      const nb = JSON.parse(fs.readFileSync(path.join(notebooksDir, notebook), 'utf8')) as {
        cells: Array<{ cell_type: string; source: string | string[] }>;
      };
      const first = nb.cells.find((c) => c.cell_type === 'markdown');
      const text = first ? (Array.isArray(first.source) ? first.source.join('') : first.source) : '';
      const title = /^# \d\d · (.+)$/m.exec(text)?.[1]?.trim() ?? notebook;
      const objectives = /\*\*You will learn\*\* (.+)$/m.exec(text)?.[1]?.trim() ?? '';
      return { notebook, title, objectives };
    });
}

/**
 * The markdown table; `seconds` maps a notebook to its measured wall time (absent: "—").
 * `short`: number, linked title and minutes (README.md); else the notebook, title and what
 * you learn (docs/chapters.md, whose links go one folder up).
 */
export function chapterTable(
  rows: readonly ChapterRow[],
  seconds: Readonly<Record<string, number>>,
  options: { readonly short?: boolean } = {},
): string {
  const minutes = (nb: string) => (seconds[nb] === undefined ? '—' : (seconds[nb] / 60).toFixed(1));
  // Escaped pipes, and _emphasis_ rather than *emphasis*: what prettier writes, so `prettier --check` accepts it.
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/(^|[^*])\*([^*\s][^*]*)\*(?!\*)/g, '$1_$2_');
  const table = options.short
    ? [
        ['#', 'chapter', 'minutes (2 cores)'],
        ...rows.map((r) => [
          r.notebook.slice(0, 2),
          `[${cell(r.title)}](notebooks/${r.notebook})`,
          minutes(r.notebook),
        ]),
      ]
    : [
        ['#', 'notebook', 'what you learn', 'minutes (2 cores)'],
        ...rows.map((r) => [
          r.notebook.slice(0, 2),
          `[\`${r.notebook}\`](../notebooks/${r.notebook}) — ${cell(r.title)}`,
          cell(r.objectives),
          minutes(r.notebook),
        ]),
      ];
  const lines = [markdownTable(table)];
  const known = rows.filter((r) => seconds[r.notebook] !== undefined);
  if (known.length === rows.length) {
    const total = known.reduce((sum, r) => sum + seconds[r.notebook]!, 0) / 60;
    lines.push('', `All ${rows.length} chapters: ${total.toFixed(1)} minutes in the last full run.`);
  }
  return lines.join('\n');
}

/** The minutes a written table shows per notebook, read back (its links name the notebooks). */
export function tableMinutes(block: string): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const line of block.split('\n')) {
    const found = /^\| \d\d +\| .*\((?:\.\.\/)?notebooks\/(\d\d_[^)]+\.ipynb)\).*\| (\d+\.\d) +\|$/.exec(line);
    if (found) seconds[found[1]!] = Number(found[2]) * 60;
  }
  return seconds;
}

/** The text between {@link TABLE_START} and {@link TABLE_END} in `file`, trimmed ('' without them). */
export function readChapterTable(file: string): string {
  return readMarkedBlock(file, TABLE_START, TABLE_END);
}

/** Replaces the block between {@link TABLE_START} and {@link TABLE_END} in `file` with `table`. */
export function writeChapterTable(file: string, table: string): void {
  writeMarkedBlock(file, TABLE_START, TABLE_END, table);
}
