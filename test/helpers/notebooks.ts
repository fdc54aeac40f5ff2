/**
 * Reading .ipynb files for the notebook tests: cells, outputs, a chapter's
 * numbered exercises and a solutions notebook's `## Exercise N` sections.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ROOT } from './cli';

export const NOTEBOOKS = path.join(ROOT, 'notebooks');
export const SOLUTIONS = path.join(NOTEBOOKS, 'solutions');

export interface Output {
  readonly output_type: string;
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Record<string, string | string[]>;
  readonly ename?: string;
  readonly evalue?: string;
}

export interface Cell {
  readonly cell_type: string;
  readonly id?: string;
  readonly source: string | string[];
  readonly outputs?: Output[];
  readonly execution_count?: number | null;
}

/** Joins Jupyter's list-of-lines text. */
export const joined = (text: string | string[] | undefined): string =>
  Array.isArray(text) ? text.join('') : (text ?? '');

export function readCells(file: string): Cell[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] }).cells;
}

/** `NN_name.ipynb` files of a folder, sorted. */
export function numberedNotebooks(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d\d_[\w-]+\.ipynb$/.test(f))
    .sort();
}

/** The solutions notebook of a chapter: `06_cnn2d.ipynb` → `06_cnn2d_solutions.ipynb`. */
export const solutionsName = (chapter: string): string => chapter.replace(/\.ipynb$/, '_solutions.ipynb');

/**
 * The item numbers of the numbered list under a chapter's `## Exercises`
 * heading (up to the next heading), e.g. `[1, 2, 3]`.
 */
export function exerciseNumbers(cells: readonly Cell[]): number[] {
  const markdown = cells
    .filter((c) => c.cell_type === 'markdown')
    .map((c) => joined(c.source))
    .join('\n\n');
  const start = markdown.search(/^## Exercises\s*$/m);
  if (start < 0) return [];
  const after = markdown.slice(start).split('\n').slice(1);
  const end = after.findIndex((line) => /^#{1,6} /.test(line));
  return (end < 0 ? after : after.slice(0, end)).flatMap((line) => {
    const item = /^(\d+)\.\s/.exec(line);
    return item ? [Number(item[1])] : [];
  });
}

export interface Section {
  /** N of its `## Exercise N` heading. */
  readonly exercise: number;
  /** The cells from the heading's cell up to the next `## ` heading. */
  readonly cells: readonly Cell[];
}

/** The `## Exercise N` sections of a solutions notebook, in order. */
export function exerciseSections(cells: readonly Cell[]): Section[] {
  const sections: Array<{ exercise: number; cells: Cell[] }> = [];
  let current: { exercise: number; cells: Cell[] } | undefined;
  for (const cell of cells) {
    const text = cell.cell_type === 'markdown' ? joined(cell.source) : '';
    const heading = /^## (.*)$/m.exec(text);
    if (heading) {
      const exercise = /^Exercise (\d+)\s*$/.exec(heading[1]!);
      current = exercise ? { exercise: Number(exercise[1]), cells: [] } : undefined;
      if (current) sections.push(current);
    }
    current?.cells.push(cell);
  }
  return sections;
}
