/**
 * README's chapter table, written from the notebooks themselves (number,
 * title, "You will learn" line) and the minutes each took in the last
 * `npx actlab tutorial --readme` run, so that it never drifts from them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../util/atomic-write';

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

/** The markdown table; `seconds` maps a notebook to its measured wall time (absent: "—"). */
export function chapterTable(rows: readonly ChapterRow[], seconds: Readonly<Record<string, number>>): string {
  const minutes = (nb: string) => (seconds[nb] === undefined ? '—' : (seconds[nb] / 60).toFixed(1));
  // Escaped pipes, and _emphasis_ rather than *emphasis*: what prettier writes, so `prettier --check` accepts it.
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/(^|[^*])\*([^*\s][^*]*)\*(?!\*)/g, '$1_$2_');
  const table = [
    ['#', 'notebook', 'what you learn', 'minutes (2 cores)'],
    ...rows.map((r) => [
      r.notebook.slice(0, 2),
      `\`${r.notebook}\` — ${cell(r.title)}`,
      cell(r.objectives),
      minutes(r.notebook),
    ]),
  ];
  // Padded as prettier pads markdown tables, so that `prettier --check` accepts what is written.
  const width = (text: string) => [...text].length;
  const widths = table[0]!.map((_, c) => Math.max(3, ...table.map((row) => width(row[c]!))));
  const line = (row: readonly string[]) =>
    `| ${row.map((text, c) => text + ' '.repeat(widths[c]! - width(text))).join(' | ')} |`;
  const lines = [line(table[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...table.slice(1).map(line)];
  const known = rows.filter((r) => seconds[r.notebook] !== undefined);
  if (known.length === rows.length) {
    const total = known.reduce((sum, r) => sum + seconds[r.notebook]!, 0) / 60;
    lines.push('', `All ${rows.length} chapters: ${total.toFixed(1)} minutes in the last full run.`);
  }
  return lines.join('\n');
}

/** Replaces the block between {@link TABLE_START} and {@link TABLE_END} in `readme` with `table`. */
export function writeChapterTable(readme: string, table: string): void {
  const text = fs.readFileSync(readme, 'utf8');
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(
      `${readme} has no chapter table block: add the lines ${TABLE_START} and ${TABLE_END} where it goes`,
    );
  writeFileAtomic(readme, `${text.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${text.slice(end)}`);
}
