/** How evaluation text writes an accuracy: a percentage, its count and its 95% Wilson interval; and tables. */
import { escapeHtml } from '../notebook/display';
import { wilsonInterval } from './metrics';

/** `0.9375` → `93.8%`; `–` for a missing or undefined (NaN) value. */
export function percent(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
}

/** The bounds of an interval in percent, one decimal: `[0.870, 0.971]` → `['87.0', '97.1']`. */
function bounds(interval: readonly [number, number]): [string, string] {
  return [(interval[0] * 100).toFixed(1), (interval[1] * 100).toFixed(1)];
}

/**
 * An accuracy for running text, with its count and 95% Wilson interval:
 * `formatAccuracy(90, 96)` → `93.8% (90/96, 95% CI 87.0–97.1%)`.
 */
export function formatAccuracy(correct: number, samples: number): string {
  const [lo, hi] = bounds(wilsonInterval(correct, samples));
  return `${percent(correct / samples)} (${correct}/${samples}, 95% CI ${lo}–${hi}%)`;
}

/** For a table cell whose header says "[95% CI]": `93.8% [87.0, 97.1] (n=96)`. */
export function accuracyCell(correct: number, samples: number): string {
  const [lo, hi] = bounds(wilsonInterval(correct, samples));
  return `${percent(correct / samples)} [${lo}, ${hi}] (n=${samples})`;
}

/** A table as aligned text (a rule under the header) and as HTML. */
export function textAndHtmlTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): { readonly text: string; readonly html: string } {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const text = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
  const cell = (tag: string) => (c: string) => `<${tag}>${escapeHtml(c)}</${tag}>`;
  const html =
    `<table><thead><tr>${header.map(cell('th')).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr>${r.map(cell('td')).join('')}</tr>`).join('') +
    '</tbody></table>';
  return { text, html };
}
