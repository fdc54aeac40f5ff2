/**
 * Executes one notebook with the TypeScript Jupyter client (kernel-client.ts)
 * as nbclient would: code cells in order, stop at the first error, and always
 * write the executed .ipynb and its .html (also after a failure or an
 * interrupt, so the error can be read in context).
 */
import * as path from 'node:path';

import type { NotebookOutput } from './cell-outputs';
import { tidyStreamText } from './cell-outputs';
import { KernelClient } from './kernel-client';
import { joinText, readNotebook, writeNotebook, type Notebook } from './notebook-file';
import { writeNotebookHtml } from './notebook-html';

export interface NodeRunOptions {
  readonly notebook: string;
  readonly executed: string;
  readonly html: string;
  /** The kernelspec argv (with `{connection_file}`). */
  readonly kernelArgv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cellTimeoutSeconds: number;
  readonly onEvent?: (event: CellEvent) => void;
  /** Interrupts the running cell, then stops the kernel. */
  readonly signal?: AbortSignal;
}

export type CellEvent =
  | { readonly event: 'notebook_start'; readonly cells: number }
  | { readonly event: 'cell_start'; readonly id?: string; readonly position: number; readonly of: number }
  | { readonly event: 'cell_done'; readonly id?: string; readonly status: string; readonly seconds: number };

/** Where and why the notebook stopped; `position` is undefined when the kernel did not start. */
export interface CellFailure {
  readonly position?: number;
  readonly id?: string;
  readonly ename: string;
  readonly evalue: string;
  readonly source: string;
}

export interface NodeRunResult {
  readonly failure?: CellFailure;
  readonly interrupted: boolean;
}

/**
 * The error a failed cell shows: an `error` output, else (tslab reports
 * errors on stderr) the thrown line, a TypeScript diagnostic, or the first line.
 */
export function errorOfOutputs(outputs: readonly NotebookOutput[]): { ename: string; evalue: string } | undefined {
  for (const output of outputs) {
    const ename = output.output_type === 'error' ? String(output.ename ?? '') : '';
    if (ename && ename !== '<Error>') return { ename, evalue: String(output.evalue ?? '') };
  }
  const stderr = outputs
    .filter((o) => o.output_type === 'stream' && o.name === 'stderr')
    .map((o) => joinText(o.text))
    .join('');
  const thrown = /^((?:[A-Za-z_$][\w$]*)?(?:Error|Exception)): (.*)$/m.exec(stderr);
  if (thrown) return { ename: thrown[1]!, evalue: thrown[2]! };
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines[0] && /^\d+:\d+ - /.test(lines[0])) return { ename: 'TypeScript', evalue: lines.slice(0, 3).join('; ') };
  return lines[0] ? { ename: 'Error', evalue: lines[0] } : undefined;
}

/** Rejects when `signal` aborts (the cell keeps running until the kernel is stopped). */
function abortion(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** Executes the code cells of `nb` in order; fills their outputs; returns how it ended. */
async function executeCells(client: KernelClient, nb: Notebook, options: NodeRunOptions): Promise<NodeRunResult> {
  const codeCells = nb.cells.filter((cell) => cell.cell_type === 'code');
  const aborted = abortion(options.signal);
  aborted.catch(() => undefined);
  for (const [index, cell] of codeCells.entries()) {
    const source = joinText(cell.source);
    if (!source.trim()) continue; // nbclient skips empty cells too
    const position = index + 1;
    cell.outputs = [];
    cell.execution_count = null;
    options.onEvent?.({ event: 'cell_start', id: cell.id, position, of: codeCells.length });
    const started = Date.now();
    const seconds = () => (Date.now() - started) / 1000;
    try {
      const run = client.execute(source, { outputs: cell.outputs, timeoutMs: options.cellTimeoutSeconds * 1000 });
      run.catch(() => undefined);
      const reply = await Promise.race([run, aborted]);
      cell.execution_count = reply.executionCount;
      options.onEvent?.({ event: 'cell_done', id: cell.id, status: reply.status, seconds: seconds() });
      if (reply.status !== 'ok') {
        const error = errorOfOutputs(cell.outputs) ?? { ename: 'Error', evalue: `the cell ended with ${reply.status}` };
        return { failure: { position, id: cell.id, ...error, source }, interrupted: false };
      }
    } catch (error) {
      if (options.signal?.aborted) {
        client.interrupt();
        return { interrupted: true };
      }
      options.onEvent?.({ event: 'cell_done', id: cell.id, status: 'error', seconds: seconds() });
      const { name, message } = error as Error;
      return { failure: { position, id: cell.id, ename: name, evalue: message, source }, interrupted: false };
    } finally {
      for (const output of cell.outputs)
        if (output.output_type === 'stream') output.text = tidyStreamText(joinText(output.text));
    }
  }
  return { interrupted: false };
}

/** Runs one notebook in a fresh kernel; writes `executed` and `html` whatever happens. */
export async function runNotebookWithNode(options: NodeRunOptions): Promise<NodeRunResult> {
  const nb = readNotebook(options.notebook);
  options.onEvent?.({ event: 'notebook_start', cells: nb.cells.filter((c) => c.cell_type === 'code').length });
  let result: NodeRunResult;
  let client: KernelClient | undefined;
  try {
    client = await KernelClient.start({
      argv: options.kernelArgv,
      env: options.env,
      cwd: path.dirname(options.notebook),
    });
    const languageInfo = client.kernelInfo.language_info;
    if (languageInfo) nb.metadata = { ...nb.metadata, language_info: languageInfo };
    result = await executeCells(client, nb, options);
  } catch (error) {
    if (options.signal?.aborted) result = { interrupted: true };
    else {
      const { name, message } = error as Error;
      result = {
        failure: { ename: name, evalue: `the kernel did not start: ${message}`, source: '' },
        interrupted: false,
      };
    }
  } finally {
    // An interrupted cell gets a moment to end (its "Interrupted" lands in the outputs) before the kernel is stopped.
    await client?.shutdown(options.signal?.aborted ? 1000 : 3000);
  }
  writeNotebook(options.executed, nb);
  writeNotebookHtml(options.html, nb);
  return result;
}
