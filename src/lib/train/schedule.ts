import type * as tf from '@tensorflow/tfjs';

/** Learning-rate schedules (per step) and the reduce-on-plateau / early-stopping monitors (per epoch). */

export interface ScheduleStep {
  /** 0-based epoch. */
  readonly epoch: number;
  /** Optimizer steps taken since the run began (across resumes). */
  readonly iteration: number;
  /** The current base rate (the preset's, or lower after a plateau). */
  readonly baseLr: number;
}

/**
 * Maps a step to the learning rate to use for it. The built-in schedules carry
 * a `label` (`stepDecay(2, 0.5)`) that checkpoints record, so a run resumes
 * only with the same schedule; for other functions their source is recorded.
 */
export type LrSchedule = ((step: ScheduleStep) => number) & { readonly label?: string };

const labelled = (label: string, schedule: (step: ScheduleStep) => number): LrSchedule =>
  Object.assign(schedule, { label });

/** How a checkpoint records `schedule`: its label, else the function's source. */
export function scheduleLabel(schedule: LrSchedule): string {
  return schedule.label ?? String(schedule);
}

/** The base rate unchanged. */
export const constantLr: LrSchedule = labelled('constantLr', ({ baseLr }) => baseLr);

/** Keras-style time-based decay: baseLr / (1 + decay · iteration). */
export function timeDecay(decay: number): LrSchedule {
  if (!(decay >= 0)) throw new Error(`timeDecay: decay must be >= 0; got ${decay}`);
  return labelled(`timeDecay(${decay})`, ({ baseLr, iteration }) => baseLr / (1 + decay * iteration));
}

/** Multiplies the rate by `factor` every `everyEpochs` epochs. */
export function stepDecay(everyEpochs: number, factor = 0.1): LrSchedule {
  if (!(everyEpochs >= 1)) throw new Error(`stepDecay: everyEpochs must be >= 1; got ${everyEpochs}`);
  return labelled(
    `stepDecay(${everyEpochs}, ${factor})`,
    ({ baseLr, epoch }) => baseLr * factor ** Math.floor(epoch / everyEpochs),
  );
}

/** Cosine from baseLr at epoch 0 to `minLr` at `totalEpochs`. */
export function cosineDecay(totalEpochs: number, minLr = 0): LrSchedule {
  return labelled(
    `cosineDecay(${totalEpochs}, ${minLr})`,
    ({ baseLr, epoch }) =>
      minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos((Math.PI * Math.min(epoch, totalEpochs)) / totalEpochs)),
  );
}

export interface MonitorOptions {
  /** Epoch log to watch, e.g. `val_loss`, `val_acc`. @default 'val_loss' (or 'loss' without validation data) */
  readonly monitor?: string;
  /** Epochs without improvement before acting. @default 2 for plateau, 5 for early stopping */
  readonly patience?: number;
  /** Smallest change that counts as improvement. @default 1e-4 */
  readonly minDelta?: number;
}

export interface PlateauOptions extends MonitorOptions {
  /** Multiply the base rate by this on a plateau (when no ladder is given). @default 0.5 */
  readonly factor?: number;
  /** Explicit rates to step through on successive plateaus (Adam preset: [5e-5, 1e-5]). */
  readonly ladder?: readonly number[];
  /** Never go below this. @default 1e-6 */
  readonly minLr?: number;
}

/** Serializable monitor state (saved in checkpoints so resume keeps counting). */
export interface MonitorState {
  best: number | null;
  wait: number;
}

/** True when `value` beats `best` by minDelta (lower is better for losses, higher for accuracies). */
export function improved(monitor: string, value: number, best: number | null, minDelta: number): boolean {
  if (best === null) return true;
  const higherIsBetter = /acc|f1|precision|recall/.test(monitor);
  return higherIsBetter ? value > best + minDelta : value < best - minDelta;
}

/**
 * Updates a monitor with this epoch's value; returns true when patience ran
 * out (and resets the wait so the next trigger needs another `patience` epochs).
 */
export function stepMonitor(
  state: MonitorState,
  monitor: string,
  value: number,
  patience: number,
  minDelta: number,
): boolean {
  if (improved(monitor, value, state.best, minDelta)) {
    state.best = value;
    state.wait = 0;
    return false;
  }
  state.wait += 1;
  if (state.wait >= patience) {
    state.wait = 0;
    return true;
  }
  return false;
}

/** The next base rate after a plateau: the next ladder rung below `current`, else current · factor, never below minLr. */
export function nextPlateauLr(current: number, options: PlateauOptions): number {
  const minLr = options.minLr ?? 1e-6;
  const rung = options.ladder?.find((lr) => lr < current * (1 - 1e-9));
  const next = options.ladder ? (rung ?? current) : current * (options.factor ?? 0.5);
  return Math.max(minLr, next);
}

/** What the plateau and early-stopping monitors make of one epoch's logs (their states are updated in place). */
export function stepMonitors(
  logs: tf.Logs | undefined,
  epoch: number,
  settings: {
    readonly plateau: PlateauOptions | false;
    readonly earlyStopping: MonitorOptions | false;
    readonly defaultMonitor: string;
    readonly baseLr: number;
  },
  plateauState: MonitorState,
  stopState: MonitorState,
): { baseLr: number; isBest: boolean; stop: boolean; lines: string[] } {
  const { plateau, earlyStopping, defaultMonitor } = settings;
  const lines: string[] = [];
  let baseLr = settings.baseLr;
  let isBest = false;
  let stop = false;
  if (plateau) {
    const monitor = plateau.monitor ?? defaultMonitor;
    const value = metricOf(logs, monitor);
    if (
      value !== undefined &&
      stepMonitor(plateauState, monitor, value, plateau.patience ?? 2, plateau.minDelta ?? 1e-4)
    ) {
      const next = nextPlateauLr(baseLr, plateau);
      if (next < baseLr) lines.push(`epoch ${epoch + 1}: ${monitor} plateaued; learning rate ${baseLr} → ${next}`);
      baseLr = next;
    }
  }
  if (earlyStopping) {
    const monitor = earlyStopping.monitor ?? defaultMonitor;
    const value = metricOf(logs, monitor);
    const minDelta = earlyStopping.minDelta ?? 1e-4;
    isBest = value !== undefined && improved(monitor, value, stopState.best, minDelta);
    if (value !== undefined && stepMonitor(stopState, monitor, value, earlyStopping.patience ?? 5, minDelta)) {
      stop = true;
      lines.push(`epoch ${epoch + 1}: ${monitor} has not improved for ${earlyStopping.patience ?? 5} epochs; stopping`);
    }
  }
  return { baseLr, isBest, stop, lines };
}

/** A finite number logged under `key`, else undefined. */
export function metricOf(logs: tf.Logs | undefined, key: string): number | undefined {
  const v = logs?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
