/**
 * Figures as HTML: a `<div>` plus a script that draws it once plotly.js is on
 * the page, and the plotly.js bundle itself, inlined (no network) and loaded
 * only if `window.Plotly` is not there yet.
 */
import * as fs from 'node:fs';

import type { Figure } from './figure';

const BUNDLE_PACKAGE = 'plotly.js-cartesian-dist-min';
let bundleSource: string | undefined;

/** The plotly.js bundle (bar, box, heatmap, histogram, scatter and more; about 1.5 MB). */
export function plotlyBundle(): string {
  bundleSource ??= fs.readFileSync(require.resolve(BUNDLE_PACKAGE), 'utf8');
  return bundleSource;
}

/**
 * A `<script>` that defines `window.Plotly` unless a page already has it, then
 * draws figures that were waiting for it. `define`/`module`/`exports` are hidden
 * from the bundle so it sets the global even where require.js is on the page.
 */
export function bundleScript(): string {
  const source = plotlyBundle().replace(/<\/script/gi, '<\\/script');
  return (
    '<script type="text/javascript">\n' +
    'if (!window.Plotly) {\n' +
    '(function (define, module, exports) {\n' +
    `${source}\n` +
    '}).call(window);\n' +
    '}\n' +
    '(window.__actlabPlots || []).splice(0).forEach(function (draw) { draw(); });\n' +
    '</script>'
  );
}

/** A div and the script that draws `figure` into it (now, or when the bundle arrives). */
export function figureHtml(figure: Figure, divId: string): string {
  const json = JSON.stringify({ data: figure.data, layout: figure.layout }).replace(/</g, '\\u003c');
  const height = figure.layout.height ?? 360;
  return (
    `<div id="${divId}" class="actlab-plot" style="width:100%;min-height:${height}px"></div>\n` +
    '<script type="text/javascript">\n' +
    '(function () {\n' +
    `  var fig = ${json};\n` +
    `  var draw = function () { window.Plotly.newPlot("${divId}", fig.data, fig.layout, {responsive: true, displaylogo: false}); };\n` +
    '  if (window.Plotly) draw(); else (window.__actlabPlots = window.__actlabPlots || []).push(draw);\n' +
    '})();\n' +
    '</script>'
  );
}

/** A complete offline HTML page with the bundle and one or more figures, after `preface` (HTML) when given. */
export function standaloneHtml(figures: readonly Figure[], title = 'actlab figure', preface = ''): string {
  const body = figures.map((f, i) => figureHtml(f, `actlab-plot-${i}`)).join('\n');
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeText(title)}</title>\n${bundleScript()}\n</head>\n<body>\n${preface}${body}\n</body></html>\n`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}
