/**
 * Rich output that works in a tslab notebook and degrades to plain text in a
 * terminal. tslab's display API only works inside a running kernel.
 */
type TslabDisplay = {
  html(s: string): void;
  markdown(s: string): void;
  text(s: string): void;
};
type TslabModule = { display: TslabDisplay; newDisplay(): TslabDisplay };

let tslabModule: TslabModule | null | undefined;

function tslab(): TslabModule | null {
  if (tslabModule === undefined) {
    try {
      tslabModule = require('tslab') as TslabModule;
    } catch {
      tslabModule = null;
    }
  }
  return tslabModule;
}

/** True while running inside a tslab kernel that is executing a cell. */
export function inNotebook(): boolean {
  const jupyter = tslab() && safeRequire('tslab/dist/jupyter');
  return Boolean(jupyter && (jupyter as { lastWriteDisplayData: unknown }).lastWriteDisplayData);
}

type WriteDisplayData = (
  message: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: { display_id?: string } },
  update: boolean,
) => void;

/**
 * Sends one output with several representations (e.g. `text/html` plus
 * `application/vnd.plotly.v1+json`) so each front end picks the richest it can
 * render. With `displayId`, later calls with `update: true` replace that output
 * in place. Returns false outside a notebook.
 */
export function displayData(
  data: Record<string, unknown>,
  options: { readonly displayId?: string; readonly update?: boolean } = {},
): boolean {
  const jupyter = tslab() && (safeRequire('tslab/dist/jupyter') as { lastWriteDisplayData?: WriteDisplayData | null });
  const write = jupyter ? jupyter.lastWriteDisplayData : null;
  if (!write) return false;
  write(
    { data, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} },
    options.update ?? false,
  );
  return true;
}

/** Shows HTML in a notebook; prints `fallbackText` elsewhere. */
export function showHtml(html: string, fallbackText: string): void {
  const mod = tslab();
  if (mod && inNotebook()) mod.display.html(html);
  else console.log(fallbackText);
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A two-column key/value table as HTML and as aligned text. */
export function keyValueTable(rows: ReadonlyArray<readonly [string, string]>): { html: string; text: string } {
  const width = Math.max(...rows.map(([k]) => k.length));
  const text = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
  const body = rows
    .map(
      ([k, v]) =>
        `<tr><th style="text-align:left">${escapeHtml(k)}</th><td style="text-align:left">${escapeHtml(v)}</td></tr>`,
    )
    .join('');
  return { html: `<table>${body}</table>`, text };
}

function safeRequire(id: string): unknown {
  try {
    return require(id);
  } catch {
    return undefined;
  }
}
