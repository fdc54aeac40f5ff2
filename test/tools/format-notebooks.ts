/**
 * Formats every code cell of the notebooks (notebooks/*.ipynb and
 * notebooks/solutions/*.ipynb) with prettier and the repository's
 * .prettierrc.json, as `npm run format` does for src/ and test/ (the
 * notebooks are in .prettierignore because prettier cannot read a notebook).
 * Markdown cells, ids, metadata and the file's layout (Jupyter's own: one-space
 * indent, source as a list of lines) are left alone, so the diff touches only
 * the code cells that changed. A cell's source keeps no final newline.
 *
 * Usage: npm run format:notebooks   (--check: list the cells that would change, exit 1 if any)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as prettier from 'prettier';

/** The repository root (this file compiles to out/test-build/test/tools/). */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const NOTEBOOK_DIRS = [path.join(ROOT, 'notebooks'), path.join(ROOT, 'notebooks', 'solutions')];

interface Cell {
  readonly cell_type: string;
  readonly id?: string;
  source: string | string[];
}

interface Notebook {
  cells: Cell[];
}

let options: prettier.Options | undefined;

/** The repository's prettier options for TypeScript (tslab cells are TypeScript with top-level await). */
function prettierOptions(): prettier.Options {
  options ??= {
    ...(JSON.parse(fs.readFileSync(path.join(ROOT, '.prettierrc.json'), 'utf8')) as prettier.Options),
    parser: 'typescript',
  };
  return options;
}

/** Joins Jupyter's list-of-lines text. */
export const joinSource = (source: string | string[]): string => (Array.isArray(source) ? source.join('') : source);

/** Jupyter's list of lines: each ends in "\n" but the last. */
export const splitSource = (text: string): string[] => text.split(/(?<=\n)/).filter((line) => line !== '');

/** A code cell's source as prettier prints it, without the final newline. */
export async function formatCode(source: string): Promise<string> {
  if (source.trim() === '') return source;
  return (await prettier.format(source, prettierOptions())).replace(/\n$/, '');
}

/** The notebook files the tool formats, sorted. */
export function notebookFiles(): string[] {
  return NOTEBOOK_DIRS.flatMap((dir) =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ipynb'))
      .sort()
      .map((f) => path.join(dir, f)),
  );
}

/** The notebook's text with every code cell formatted, and the ids of the cells that changed. */
export async function formatNotebook(text: string, file: string): Promise<{ text: string; changed: string[] }> {
  const notebook = JSON.parse(text) as Notebook;
  const changed: string[] = [];
  for (const [i, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== 'code') continue;
    const source = joinSource(cell.source);
    let formatted: string;
    try {
      formatted = await formatCode(source);
    } catch (error) {
      throw new Error(`${path.relative(ROOT, file)} cell ${cell.id ?? i}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (formatted === source) continue;
    cell.source = splitSource(formatted);
    changed.push(cell.id ?? `#${i}`);
  }
  return { text: changed.length > 0 ? `${JSON.stringify(notebook, null, 1)}\n` : text, changed };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  let total = 0;
  for (const file of notebookFiles()) {
    const before = fs.readFileSync(file, 'utf8');
    const { text, changed } = await formatNotebook(before, file);
    if (changed.length === 0) continue;
    total += changed.length;
    console.log(`${path.relative(ROOT, file)}: ${changed.join(', ')}`);
    if (!check) fs.writeFileSync(file, text);
  }
  console.log(check ? `${total} cell(s) not formatted` : `${total} cell(s) formatted`);
  if (check && total > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
