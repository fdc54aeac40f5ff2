/**
 * Markdown tables padded as prettier pads them, so that generated tables in
 * README.md and docs/ pass `prettier --check` unchanged.
 */
import * as fs from 'node:fs';

import { writeFileAtomic } from './atomic-write';

/** `rows[0]` is the header. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const width = (text: string) => [...text].length;
  const widths = rows[0]!.map((_, c) => Math.max(3, ...rows.map((row) => width(row[c]!))));
  const line = (row: readonly string[]) =>
    `| ${row.map((text, c) => text + ' '.repeat(widths[c]! - width(text))).join(' | ')} |`;
  return [line(rows[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
}

/** The text between the `start` and `end` marker lines of `file`, trimmed; '' when a marker is missing. */
export function readMarkedBlock(file: string, start: string, end: string): string {
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return '';
  return text.slice(from + start.length, to).trim();
}

/** Replaces the text between the markers in `file` with `block`. */
export function writeMarkedBlock(file: string, start: string, end: string, block: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(`${file} has no block for it: add the lines ${start} and ${end} where it goes`);
  }
  writeFileAtomic(file, `${text.slice(0, from + start.length)}\n\n${block}\n\n${text.slice(to)}`);
}
