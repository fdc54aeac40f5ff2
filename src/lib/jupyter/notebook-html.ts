/**
 * An executed notebook as one self-contained HTML page (what nbconvert's
 * HTMLExporter gives, without Python): markdown rendered, code with its
 * outputs, images inlined as data URIs, scripts (the plotly.js bundle our
 * charts carry once per notebook) kept as they are, so the page works offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Marked } from 'marked';

import type { NotebookOutput } from './cell-outputs';
import { joinText, type Notebook, type NotebookCell } from './notebook-file';

/** Output MIME types from richest to plainest, in nbconvert's HTML order (widgets left out). */
export const HTML_MIME_PRIORITY = [
  'application/javascript',
  'text/html',
  'text/markdown',
  'image/svg+xml',
  'text/latex',
  'image/png',
  'image/jpeg',
  'image/gif',
  'text/plain',
] as const;

const markdown = new Marked({ gfm: true });

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Terminal colour and cursor codes (tslab and our progress lines use them); a page cannot show them. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g, '');
}

function renderMarkdown(source: string, attachments: NotebookCell['attachments']): string {
  // Cells may show images attached to them: `![x](attachment:name.png)`.
  const withAttachments = source.replace(/attachment:([^\s)"']+)/g, (whole, name: string) => {
    const bundle = attachments?.[name];
    const mime = bundle && Object.keys(bundle)[0];
    return mime ? `data:${mime};base64,${joinText(bundle[mime]).replace(/\s/g, '')}` : whole;
  });
  return markdown.parse(withAttachments, { async: false });
}

/** The one representation of a display_data/execute_result bundle the page shows. */
export function renderMimeBundle(data: Record<string, unknown>): string {
  const mime = HTML_MIME_PRIORITY.find((m) => m in data);
  if (!mime) return '';
  const value = joinText(data[mime]);
  switch (mime) {
    case 'application/javascript':
      return `<script type="text/javascript">\n${value.replace(/<\/script/gi, '<\\/script')}\n</script>`;
    case 'text/html':
    case 'image/svg+xml':
      return `<div class="html">${value}</div>`;
    case 'text/markdown':
      return `<div class="markdown">${markdown.parse(value, { async: false })}</div>`;
    case 'image/png':
    case 'image/jpeg':
    case 'image/gif':
      return `<img src="data:${mime};base64,${value.replace(/\s/g, '')}" alt="output image">`;
    default:
      return `<pre>${escapeHtml(stripAnsi(value))}</pre>`;
  }
}

function renderOutput(output: NotebookOutput): string {
  switch (output.output_type) {
    case 'stream': {
      const kind = output.name === 'stderr' ? 'stderr' : 'stdout';
      return `<pre class="${kind}">${escapeHtml(stripAnsi(joinText(output.text)))}</pre>`;
    }
    case 'error': {
      const traceback = (output.traceback as string[] | undefined) ?? [];
      const text = traceback.length > 0 ? traceback.join('\n') : `${output.ename}: ${output.evalue}`;
      return `<pre class="error">${escapeHtml(stripAnsi(text))}</pre>`;
    }
    case 'display_data':
    case 'execute_result':
      return renderMimeBundle((output.data as Record<string, unknown>) ?? {});
    default:
      return '';
  }
}

function renderCell(cell: NotebookCell): string {
  const source = joinText(cell.source);
  if (cell.cell_type === 'markdown') {
    return `<section class="cell markdown">${renderMarkdown(source, cell.attachments)}</section>`;
  }
  if (cell.cell_type !== 'code') return `<section class="cell raw"><pre>${escapeHtml(source)}</pre></section>`;
  const count = cell.execution_count ?? ' ';
  const outputs = (cell.outputs ?? []).map((o) => `<div class="output">${renderOutput(o)}</div>`).join('\n');
  return (
    `<section class="cell code"${cell.id ? ` id="cell-${escapeHtml(cell.id)}"` : ''}>\n` +
    `<div class="input"><span class="prompt">In&nbsp;[${count}]:</span>` +
    `<pre class="source"><code class="language-typescript">${escapeHtml(source)}</code></pre></div>\n` +
    (outputs ? `<div class="outputs">\n${outputs}\n</div>\n` : '') +
    '</section>'
  );
}

const STYLE = `
body { margin: 0; background: #fff; color: #1f2328; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 64px; }
.cell { margin: 14px 0; }
.markdown img { max-width: 100%; }
.markdown code { background: #f1f3f5; padding: 1px 4px; border-radius: 3px; }
.markdown table { border-collapse: collapse; } .markdown th, .markdown td { border: 1px solid #d0d7de; padding: 4px 8px; }
.input { display: flex; gap: 8px; }
.prompt { flex: 0 0 72px; color: #6e7781; font: 12px/2 ui-monospace, monospace; text-align: right; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, monospace; }
pre.source { flex: 1; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 8px 10px; }
.outputs { margin: 6px 0 0 80px; }
.output { margin: 4px 0; overflow-x: auto; }
.output img { max-width: 100%; }
pre.stderr { background: #fff5f5; padding: 4px 6px; }
pre.error { background: #ffebe9; color: #82071e; padding: 6px 8px; }
`;

/** The whole page for `notebook`, titled by its first heading (else `fallbackTitle`). */
export function notebookHtml(notebook: Notebook, fallbackTitle = 'notebook'): string {
  const heading = notebook.cells
    .filter((c) => c.cell_type === 'markdown')
    .map((c) => /^#+\s+(.+)$/m.exec(joinText(c.source))?.[1])
    .find(Boolean);
  const body = notebook.cells.map(renderCell).join('\n');
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeHtml(heading ?? fallbackTitle)}</title>\n<style>${STYLE}</style>\n</head>\n` +
    `<body>\n<main class="notebook">\n${body}\n</main>\n</body>\n</html>\n`
  );
}

/** Writes the page for `notebook` to `file`, titled by the file name when the notebook has no heading. */
export function writeNotebookHtml(file: string, notebook: Notebook): void {
  fs.writeFileSync(file, notebookHtml(notebook, path.basename(file, '.html')));
}
