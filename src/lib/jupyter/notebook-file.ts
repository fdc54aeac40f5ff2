/**
 * Reading and writing .ipynb files (nbformat 4) the way nbformat does: text
 * is kept as lists of lines on disk, joined in memory.
 */
import * as fs from 'node:fs';

import type { NotebookOutput } from './cell-outputs';

export interface NotebookCell {
  cell_type: string;
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  attachments?: Record<string, Record<string, string | string[]>>;
}

export interface Notebook {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Text that nbformat may store as a list of lines, as one string. */
export function joinText(text: unknown): string {
  if (Array.isArray(text)) return text.join('');
  return typeof text === 'string' ? text : '';
}

/** `text` split after each newline, as Python's `splitlines(keepends=True)` for `\n`. */
export function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/** Reads a notebook; names the file when it is not nbformat 4 JSON. */
export function readNotebook(file: string): Notebook {
  let parsed: Notebook;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
  } catch (error) {
    throw new Error(`${file} is not a readable notebook: ${(error as Error).message}`, { cause: error });
  }
  if (parsed.nbformat !== 4 || !Array.isArray(parsed.cells)) {
    throw new Error(`${file} is not an nbformat 4 notebook (nbformat ${parsed.nbformat}); open and save it in Jupyter`);
  }
  return parsed;
}

// nbformat splits text/* and these into lines; JSON and base64 images stay strings.
const SPLIT_MIMES = new Set(['application/javascript', 'image/svg+xml']);

function splitBundle(data: unknown): unknown {
  if (!data || typeof data !== 'object') return data;
  return Object.fromEntries(
    Object.entries(data as Record<string, unknown>).map(([mime, value]) => [
      mime,
      typeof value === 'string' && (mime.startsWith('text/') || SPLIT_MIMES.has(mime)) ? splitLines(value) : value,
    ]),
  );
}

function onDisk(output: NotebookOutput): NotebookOutput {
  if (output.output_type === 'stream') return { ...output, text: splitLines(joinText(output.text)) };
  if (output.output_type === 'display_data' || output.output_type === 'execute_result') {
    return { ...output, data: splitBundle(output.data) };
  }
  return output;
}

/** Writes `notebook` as nbformat does (one-space indent, text as lines, trailing newline). */
export function writeNotebook(file: string, notebook: Notebook): void {
  const cells = notebook.cells.map((cell) => ({
    ...cell,
    source: splitLines(joinText(cell.source)),
    ...(cell.outputs ? { outputs: cell.outputs.map(onDisk) } : {}),
  }));
  fs.writeFileSync(file, `${JSON.stringify({ ...notebook, cells }, null, 1)}\n`);
}
