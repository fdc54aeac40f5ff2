/**
 * Live training curves: one chart that redraws itself each epoch in a notebook
 * (one output updated in place, not a new chart per epoch), a line per epoch in
 * a terminal.
 */
import { displayData, inNotebook } from '../notebook/display';
import { type MetricHistory, trainingCurves, type TitledOptions } from './figure';
import { ensurePlotlyInNotebook, figureMimeBundle, newPlotId } from './show';

export interface LiveChart {
  /** Redraws with the whole history so far (`{loss: [...], val_loss: [...], ...}`). */
  update(history: MetricHistory): void;
  /** Epoch-end hook: appends `logs` to the history and redraws. Pass to a tfjs callback. */
  onEpochEnd(epoch: number, logs?: Readonly<Record<string, number>>): void;
  /** The history collected through {@link LiveChart.onEpochEnd}. */
  readonly history: MetricHistory;
}

export interface LiveChartOptions extends TitledOptions {
  /** Where terminal lines go. @default console.log */
  readonly log?: (line: string) => void;
}

/** Creates a live training-curve display. */
export function liveTrainingCurves(options: LiveChartOptions = {}): LiveChart {
  const notebook = inNotebook();
  const displayId = newPlotId();
  const divId = newPlotId();
  const history: Record<string, Array<number | null>> = {};
  let shown = false;
  const log = options.log ?? console.log;

  const update = (next: MetricHistory) => {
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
    displayData(figureMimeBundle(trainingCurves(next, options), divId), { displayId, update: shown });
    shown = true;
  };

  return {
    history,
    update,
    onEpochEnd(epoch, logs = {}) {
      for (const [name, value] of Object.entries(logs)) {
        const series = (history[name] ??= []);
        while (series.length < epoch) series.push(null); // metrics that appear late
        series[epoch] = value;
      }
      update(history);
    },
  };
}
