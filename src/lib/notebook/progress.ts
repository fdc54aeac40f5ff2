/**
 * Progress for long work. In a notebook: one output that updates in place (a
 * bar and a line of text). Elsewhere: a one-line bar on stderr (stdout stays
 * clean for --json) that redraws on a terminal and prints every 10% otherwise.
 */
import { randomBytes } from 'node:crypto';

import { displayData, escapeHtml, inNotebook } from './display';

export interface ProgressBar {
  update(done: number, total: number, note?: string): void;
  finish(): void;
}

export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  return inNotebook() ? notebookBar(label) : terminalBar(label, stream);
}

function describe(label: string, started: number, done: number, total: number, note: string): string {
  const fraction = total > 0 ? done / total : 1;
  const seconds = (Date.now() - started) / 1000;
  const eta = done > 0 ? (seconds / done) * (total - done) : 0;
  const tail = `${done < total ? ` eta ${eta.toFixed(0)}s` : ''}${note ? ` ${note}` : ''}`;
  return `${label} ${done}/${total} ${(fraction * 100).toFixed(0)}% ${seconds.toFixed(1)}s${tail}`;
}

function terminalBar(label: string, stream: NodeJS.WriteStream): ProgressBar {
  const started = Date.now();
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done, total, note = '') {
      const fraction = total > 0 ? done / total : 1;
      const text = describe(label, started, done, total, note);
      if (stream.isTTY) {
        const width = 24;
        const filled = Math.round(fraction * width);
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}`);
        drawn = true;
      } else {
        const decile = Math.floor(fraction * 10);
        if (decile !== lastDecile) stream.write(`${text}\n`);
        lastDecile = decile;
      }
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}

function notebookBar(label: string): ProgressBar {
  const started = Date.now();
  const displayId = `actlab-progress-${randomBytes(6).toString('hex')}`;
  let shown = false;
  let lastDraw = 0;
  let last = { done: 0, total: 0, note: '' };
  const draw = () => {
    const text = describe(label, started, last.done, last.total, last.note);
    const html = `<progress value="${last.done}" max="${Math.max(1, last.total)}" style="width:240px"></progress> <code>${escapeHtml(text)}</code>`;
    displayData({ 'text/html': html, 'text/plain': text }, { displayId, update: shown });
    shown = true;
    lastDraw = Date.now();
  };
  return {
    update(done, total, note = '') {
      last = { done, total, note };
      // Redraw at most 5 times a second: each redraw is a message to the front end.
      if (!shown || done >= total || Date.now() - lastDraw > 200) draw();
    },
    finish() {
      draw();
    },
  };
}
