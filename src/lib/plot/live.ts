/**
 * Live training curves: one chart that redraws itself each epoch in a notebook
 * (one output updated in place, not a new chart per epoch), a line per epoch in
 * a terminal. Epochs are numbered from 1 on the x axis, as in the training log.
 */
import { displayData, inNotebook } from '../notebook/display';
import { type Figure, type MetricHistory, trainingCurves, type TitledOptions } from './figure';
import { ensurePlotlyInNotebook, figureMimeBundle, newPlotId } from './show';

export interface LiveChart {
  /**
   * Redraws with the whole history so far (`{loss: [...], val_loss: [...], ...}`,
   * index 0 = epoch 1), which replaces {@link LiveChart.history}: a resumed run
   * passes its earlier epochs here and later {@link LiveChart.onEpochEnd} calls add to them.
   */
  update(history: MetricHistory): void;
  /** Epoch-end hook (0-based `epoch`, as tfjs passes it): sets `logs` at that epoch and redraws. Pass to a tfjs callback. */
  onEpochEnd(epoch: number, logs?: Readonly<Record<string, number>>): void;
  /** The history collected through {@link LiveChart.onEpochEnd}. */
  readonly history: MetricHistory;
}

export interface LiveChartOptions extends TitledOptions {
  /** Where terminal lines go. @default console.log */
  readonly log?: (line: string) => void;
}

/**
 * The training curves as the live chart draws them: x axis from epoch 1
 * (whole epochs only), and room on the right for the accuracy axis's tick labels.
 */
export function liveFigure(history: MetricHistory, options: TitledOptions = {}): Figure {
  const figure = trainingCurves(history, options);
  const epochs = Math.max(1, ...Object.values(history).map((v) => v.length));
  const margin = (figure.layout.margin ?? {}) as Record<string, number>;
  return {
    ...figure,
    layout: {
      ...figure.layout,
      xaxis: {
        ...figure.layout.xaxis,
        tick0: 1,
        dtick: Math.max(1, Math.ceil(epochs / 20)),
        range: [0.5, epochs + 0.5],
      },
      ...(figure.layout.yaxis2 ? { margin: { ...margin, r: Math.max(margin.r ?? 0, 70) } } : {}),
    },
  };
}

/** Creates a live training-curve display. */
export function liveTrainingCurves(options: LiveChartOptions = {}): LiveChart {
  const notebook = inNotebook();
  const displayId = newPlotId();
  const divId = newPlotId();
  const history: Record<string, Array<number | null>> = {};
  let shown = false;
  const log = options.log ?? console.log;

  const draw = (next: MetricHistory) => {
    if (!notebook) {
      const epoch = Math.max(0, ...Object.values(next).map((v) => v.length));
      const parts = Object.entries(next)
        .map(([name, values]) => [name, values[values.length - 1]] as const)
        .filter(([, v]) => typeof v === 'number')
        .map(([name, v]) => `${name} ${(v as number).toFixed(4)}`);
      log(`epoch ${epoch}: ${parts.join('  ')}`);
      return;
    }
    ensurePlotlyInNotebook();
    displayData(figureMimeBundle(liveFigure(next, options), divId), { displayId, update: shown });
    shown = true;
  };

  return {
    history,
    update(next) {
      for (const name of Object.keys(history)) delete history[name];
      for (const [name, values] of Object.entries(next)) history[name] = [...values];
      draw(history);
    },
    onEpochEnd(epoch, logs = {}) {
      for (const [name, value] of Object.entries(logs)) {
        const series = (history[name] ??= []);
        while (series.length < epoch) series.push(null); // metrics that appear late
        series[epoch] = value;
      }
      draw(history);
    },
  };
}
