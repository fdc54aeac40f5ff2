/**
 * `show(figure)`: an interactive chart in a notebook (offline: the plotly.js
 * bundle is inlined once per kernel session), a standalone HTML file elsewhere.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { displayData, inNotebook } from '../notebook/display';
import type { Figure } from './figure';
import { bundleScript, figureHtml, standaloneHtml } from './render';

export interface ShowOptions {
  /**
   * Outside a notebook: the HTML file to write.
   * @default `out/figures/<title or "figure">-<n>.html` under the working directory
   */
  readonly file?: string;
  /** Print where the file went (outside a notebook). @default true */
  readonly announce?: boolean;
}

let bundleSent = false;
let fileCounter = 0;

/**
 * Inlines the plotly.js bundle into the notebook if this kernel has not yet;
 * {@link show} calls it. Call it yourself with `force` after clearing the output
 * that held it (charts below would otherwise have nothing to draw with).
 */
export function ensurePlotlyInNotebook(options: { readonly force?: boolean } = {}): boolean {
  if (bundleSent && !options.force) return false;
  if (!inNotebook()) return false;
  bundleSent = displayData({ 'text/html': bundleScript(), 'text/plain': '[plotly.js loaded]' });
  return bundleSent;
}

/** The output bundle for one figure: HTML for every front end, plotly JSON for those that render it natively. */
export function figureMimeBundle(figure: Figure, divId = newPlotId()): Record<string, unknown> {
  return {
    'text/html': figureHtml(figure, divId),
    'application/vnd.plotly.v1+json': { data: figure.data, layout: figure.layout },
    'text/plain': `[chart: ${figure.layout.title?.text ?? figure.data.map((t) => t.type).join(', ')}]`,
  };
}

/**
 * Shows a figure: inline in a notebook (returns undefined, so the cell prints
 * nothing more), otherwise as a standalone HTML file (returns its path).
 */
export function show(figure: Figure, options: ShowOptions = {}): string | undefined {
  if (inNotebook()) {
    ensurePlotlyInNotebook();
    displayData(figureMimeBundle(figure));
    return undefined;
  }
  const file = options.file ?? defaultFile(figure);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, standaloneHtml([figure], figure.layout.title?.text));
  if (options.announce ?? true) console.log(`actlab: figure written to ${file}`);
  return file;
}

export function newPlotId(): string {
  return `actlab-plot-${randomBytes(6).toString('hex')}`;
}

function defaultFile(figure: Figure): string {
  const slug = (figure.layout.title?.text ?? 'figure')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  fileCounter += 1;
  return path.resolve('out', 'figures', `${slug || 'figure'}-${fileCounter}.html`);
}
