/**
 * Progress for long work. In a notebook: one output that updates in place (a
 * bar and a line of text). Elsewhere: a one-line bar on stderr (stdout stays
 * clean for --json) that redraws on a terminal and prints every 10% otherwise.
 * While the total is unknown the bar only counts (`train c3d 4 batches`).
 */
import { randomBytes } from 'node:crypto';

import { displayData, escapeHtml, inNotebook } from './display';

export interface ProgressBar {
  /** `total` undefined: not known yet, the bar shows only the count. */
  update(done: number, total: number | undefined, note?: string): void;
  finish(): void;
}

export interface ProgressBarOptions {
  /** Terminal output. @default process.stderr */
  readonly stream?: NodeJS.WriteStream;
  /** What is counted, shown while the total is unknown (`4 batches`). @default 'done' */
  readonly unit?: string;
  /**
   * Draw nothing when the first update already reports all of it done (a
   * complete cache resumed): no "64/64 100%" for work that did not happen. @default false
   */
  readonly onlyForWork?: boolean;
}

export function createProgressBar(label: string, options: ProgressBarOptions = {}): ProgressBar {
  const unit = options.unit ?? 'done';
  const make = (): ProgressBar =>
    inNotebook() ? notebookBar(label, unit) : terminalBar(label, unit, options.stream ?? process.stderr);
  if (!options.onlyForWork) return make();
  let bar: ProgressBar | undefined;
  let idle = true;
  return {
    update(done, total, note) {
      if (idle && total !== undefined && done >= total) return;
      idle = false;
      (bar ??= make()).update(done, total, note);
    },
    finish: () => bar?.finish(),
  };
}

function describe(
  label: string,
  unit: string,
  started: number,
  done: number,
  total: number | undefined,
  note: string,
): string {
  const seconds = (Date.now() - started) / 1000;
  const tailNote = note ? ` ${note}` : '';
  if (total === undefined) return `${label} ${done} ${unit} ${seconds.toFixed(1)}s${tailNote}`;
  const fraction = total > 0 ? done / total : 1;
  const eta = done > 0 ? (seconds / done) * (total - done) : 0;
  const tail = `${done < total ? ` eta ${eta.toFixed(0)}s` : ''}${tailNote}`;
  return `${label} ${done}/${total} ${(fraction * 100).toFixed(0)}% ${seconds.toFixed(1)}s${tail}`;
}

function terminalBar(label: string, unit: string, stream: NodeJS.WriteStream): ProgressBar {
  const started = Date.now();
  let lastStep = '';
  let drawn = false;
  return {
    update(done, total, note = '') {
      const text = describe(label, unit, started, done, total, note);
      const fraction = total === undefined ? undefined : total > 0 ? done / total : 1;
      if (stream.isTTY) {
        const width = 24;
        // Unknown total: a block that walks along the bar.
        const bar =
          fraction === undefined
            ? [...'.'.repeat(width)].map((c, i) => (Math.abs(i - (done % width)) < 2 ? '#' : c)).join('')
            : '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
        stream.write(`\r\x1b[2K[${bar}] ${text}`);
        drawn = true;
      } else {
        // A line every 10%; with no total, at 1, 2, 4, 8, … done.
        const step =
          fraction === undefined ? `n${Math.floor(Math.log2(Math.max(1, done)))}` : `d${Math.floor(fraction * 10)}`;
        if (step !== lastStep) stream.write(`${text}\n`);
        lastStep = step;
      }
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}

function notebookBar(label: string, unit: string): ProgressBar {
  const started = Date.now();
  const displayId = `actlab-progress-${randomBytes(6).toString('hex')}`;
  let shown = false;
  let lastDraw = 0;
  let last: { done: number; total: number | undefined; note: string } = { done: 0, total: 0, note: '' };
  const draw = () => {
    const text = describe(label, unit, started, last.done, last.total, last.note);
    // A <progress> without a value is the browser's indeterminate bar.
    const value = last.total === undefined ? '' : ` value="${last.done}" max="${Math.max(1, last.total)}"`;
    const html = `<progress${value} style="width:240px"></progress> <code>${escapeHtml(text)}</code>`;
    displayData({ 'text/html': html, 'text/plain': text }, { displayId, update: shown });
    shown = true;
    lastDraw = Date.now();
  };
  return {
    update(done, total, note = '') {
      last = { done, total, note };
      // Redraw at most 5 times a second: each redraw is a message to the front end.
      if (!shown || (total !== undefined && done >= total) || Date.now() - lastDraw > 200) draw();
    },
    finish() {
      draw();
    },
  };
}
