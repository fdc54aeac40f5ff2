/** A readable model summary: per-layer output shape, parameters and MFLOPs per clip. */
import type * as tf from '@tensorflow/tfjs';

import { escapeHtml } from '../notebook/display';

export interface LayerSummary {
  readonly name: string;
  /** tf.layers class name, e.g. `Conv3D`, `ActlabGroupedConv3D`. */
  readonly className: string;
  /** Output shape with the batch axis as `null`, e.g. `[null,16,16,16,8]`. */
  readonly outputShape: ReadonlyArray<number | null>;
  readonly params: number;
  readonly trainableParams: number;
  /** Millions of floating-point operations for one sample (multiply + add counted as 2). */
  readonly mflops: number;
}

export interface ModelSummary {
  readonly name: string;
  readonly layers: readonly LayerSummary[];
  readonly totalParams: number;
  readonly trainableParams: number;
  /** MFLOPs of one forward pass of one sample (clip or frame). */
  readonly mflops: number;
  /** Input shape with the batch axis as `null`. */
  readonly inputShape: ReadonlyArray<number | null>;
  readonly outputShape: ReadonlyArray<number | null>;
}

function firstShape(shape: tf.Shape | tf.Shape[]): Array<number | null> {
  const s = Array.isArray(shape[0]) || shape.length === 0 ? ((shape as tf.Shape[])[0] ?? []) : (shape as tf.Shape);
  return [...s];
}

function product(values: ReadonlyArray<number | null>): number {
  return values.reduce<number>((a, b) => a * (b ?? 1), 1);
}

/** FLOPs of one sample through `layer`: 2·MACs for conv/dense, one per output element otherwise. */
function layerFlops(layer: tf.layers.Layer): number {
  const out = firstShape(layer.outputShape).slice(1);
  const outElements = product(out);
  const className = layer.getClassName();
  const config = layer.getConfig();
  if (/Conv[123]D$|GroupedConv3D$|^Dense$/.test(className)) {
    const weights = layer.getWeights();
    const kernel = weights[0];
    if (!kernel) return outElements;
    // Kernel [...k, Cin/groups, F]: each output element costs prod(k)·Cin/groups MACs.
    const macsPerOutput = kernel.size / kernel.shape[kernel.shape.length - 1]!;
    return 2 * macsPerOutput * outElements + (config['useBias'] === false ? 0 : outElements);
  }
  if (className === 'InputLayer' || className === 'Flatten' || className === 'Reshape') return 0;
  return outElements;
}

/** Summarises a built model (weights must exist, as they do after a builder returns). */
export function summary(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((layer): LayerSummary => {
    const trainable = layer.trainableWeights.reduce((a, w) => a + product(w.shape), 0);
    return {
      name: layer.name,
      className: layer.getClassName(),
      outputShape: firstShape(layer.outputShape),
      params: layer.countParams(),
      trainableParams: trainable,
      mflops: layerFlops(layer) / 1e6,
    };
  });
  return {
    name: model.name,
    layers,
    totalParams: layers.reduce((a, l) => a + l.params, 0),
    trainableParams: layers.reduce((a, l) => a + l.trainableParams, 0),
    mflops: layers.reduce((a, l) => a + l.mflops, 0),
    inputShape: firstShape(model.inputs[0]!.shape),
    outputShape: firstShape(model.outputs[0]!.shape),
  };
}

function shapeText(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d) => (d == null ? 'N' : String(d))).join(',')}]`;
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A fixed-width table, one row per layer, and totals (for terminals and `console.log`). */
export function summaryText(s: ModelSummary): string {
  const rows = s.layers.map((l) => [
    `${l.name} (${l.className})`,
    shapeText(l.outputShape),
    formatCount(l.params),
    l.mflops.toFixed(2),
  ]);
  const header = ['layer (type)', 'output shape', 'params', 'MFLOPs'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `Model "${s.name}": input ${shapeText(s.inputShape)} → output ${shapeText(s.outputShape)}`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `params: ${formatCount(s.totalParams)} (trainable ${formatCount(s.trainableParams)}), ` +
      `${s.mflops.toFixed(1)} MFLOPs per sample`,
  ].join('\n');
}

/** The same table as HTML (for notebooks: `notebook.showHtml(summaryHtml(s), summaryText(s))`). */
export function summaryHtml(s: ModelSummary): string {
  const rows = s.layers
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.name)}</td><td>${escapeHtml(l.className)}</td><td><code>${shapeText(l.outputShape)}</code></td>` +
        `<td style="text-align:right">${formatCount(l.params)}</td><td style="text-align:right">${l.mflops.toFixed(2)}</td></tr>`,
    )
    .join('');
  return (
    `<table><caption>${escapeHtml(s.name)}: ${formatCount(s.totalParams)} params, ${s.mflops.toFixed(1)} MFLOPs per sample</caption>` +
    `<thead><tr><th>layer</th><th>type</th><th>output shape</th><th>params</th><th>MFLOPs</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}
