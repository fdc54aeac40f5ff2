/**
 * `train(model, data, options)`: model.fitDataset with the write-ups'
 * optimizers, LR schedules, reduce-on-plateau, early stopping, class weights,
 * checkpoints that resume after a kill, a history JSON, and progress.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { inNotebook } from '../notebook/display';
import { claimTraining, interruptScope } from '../notebook/interrupt';
import { createProgressBar, type ProgressBar } from '../notebook/progress';
import { liveTrainingCurves, type LiveChart } from '../plot/live';
import { isPretrained, seedWeights } from '../models/shape';
import {
  type CheckpointState,
  clearRun,
  removeTempFiles,
  requireRunFolder,
  type EpochRecord,
  type NormalizationStats,
  saveCheckpoint,
} from './checkpoint';
import { fileIO } from '../models/file-io';
import { writeFileAtomic } from '../util/atomic-write';
import { requireWholeNumber } from '../util/validate';
import { createOptimizer, getLearningRate, type OptimizerSpec, resolveOptimizer, setLearningRate } from './optimizers';
import type { RunFingerprint } from './fingerprint';
import { describeModel, planResume, type ResumeMode } from './resume';
import { type Batch, accuracyMetric, epochsOf, followEpochs, inspectFirstBatch, prepareLabels } from './batches';
import { lockRunFolder } from './run-lock';
import { nonFiniteAfterBatch, nonFiniteError, type NonFiniteTrainingError } from './finite';
import { epochLine, interruptedLine } from './log-lines';
import {
  constantLr,
  type LrSchedule,
  type MonitorOptions,
  type MonitorState,
  metricOf,
  type PlateauOptions,
  scheduleLabel,
  stepMonitors,
  timeDecay,
} from './schedule';

export type { Batch } from './batches';

export interface TrainOptions {
  /** Total epochs of the run (a resumed run continues up to this; raising it continues a finished run). */
  readonly epochs: number;
  /** Validation batches, evaluated after every epoch. @default none */
  readonly validationData?: tf.data.Dataset<Batch>;
  /** A preset name or a spec. @default 'adam' (lr 1e-4, reduced to 5e-5 then 1e-5 on plateau) */
  readonly optimizer?: 'adam' | 'sgd' | OptimizerSpec;
  /** Per-step learning rate. @default timeDecay(spec.decay) when the spec has a decay, else constant */
  readonly schedule?: LrSchedule;
  /** Lower the base rate when the monitored metric stops improving; false turns it off. @default the preset's ladder, else off */
  readonly reduceOnPlateau?: PlateauOptions | false;
  /** Stop when the monitored metric stops improving. @default off */
  readonly earlyStopping?: MonitorOptions | false;
  /** Loss weight per class index, e.g. from {@link balancedClassWeights}. @default all 1 */
  readonly classWeight?: Readonly<Record<number, number>>;
  /** Folder for checkpoints and history.json; without it nothing is written. @default undefined */
  readonly runDir?: string;
  /**
   * What to do with runDir's latest checkpoint. Each checkpoint records the
   * run's configuration: the model's layers and options, input shape, first
   * batch's xs/ys shapes, batches per epoch, labels, normalization,
   * optimizer, schedule, reduceOnPlateau, earlyStopping, classWeight and
   * seed; the epochs target may grow.
   *
   * - `'auto'`: resume when the configuration matches; otherwise delete the
   *   old run's checkpoints, start fresh and log one line naming the first
   *   difference. A matching run with more epochs done than asked also starts
   *   fresh; one with as many (or stopped early) is returned as it is.
   * - `true`: resume; throw naming the first difference when it does not match.
   * - `false`: delete the old checkpoints and start fresh.
   *
   * Checkpoints of actlab versions that did not record the configuration
   * count as not matching. @default 'auto'
   */
  readonly resume?: ResumeMode;
  /** Checkpoints kept in runDir. @default 2 */
  readonly keepCheckpoints?: number;
  /** Seeds the initial weights of a fresh run (tfjs has no global seed; dropout stays unseeded). @default undefined */
  readonly seed?: number;
  /**
   * The training data's augmentation as the caller describes it (e.g. the
   * pipeline's options): recorded with the checkpoints, so a run resumes only
   * with the same augmentation. @default undefined
   */
  readonly augmentation?: unknown;
  /**
   * Where a pretrained model's weights came from (e.g. the run it was loaded
   * from and the new head's seed): recorded with the checkpoints, so a run
   * resumes only from the same start. @default undefined
   */
  readonly origin?: unknown;
  /** Stored with checkpoints so evaluation normalises the same way. @default undefined */
  readonly normalization?: NormalizationStats;
  /** Class names in label-index order, stored with checkpoints. @default undefined */
  readonly labels?: readonly string[];
  /** Batches per epoch; required for an endless dataset. @default the whole dataset */
  readonly batchesPerEpoch?: number;
  /**
   * A progress bar (stderr in a terminal, one updating display in a notebook)
   * and, in a notebook, live training curves. @default true
   */
  readonly progress?: boolean;
  /** Where per-epoch lines go outside notebooks; null for silence. @default console.log */
  readonly log?: ((line: string) => void) | null;
  /**
   * Stops after the current batch (the last completed epoch stays
   * checkpointed); in a notebook Kernel > Interrupt does the same. Either way
   * train prints one line saying what is kept and returns with `aborted`.
   */
  readonly signal?: AbortSignal;
  /** Called after each epoch with its record (after the checkpoint is written). */
  readonly onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
}

export interface TrainResult {
  /** All epochs of the run, including those before a resume. */
  readonly history: readonly EpochRecord[];
  /** The epoch this call started at (0 for a fresh run). */
  readonly startEpoch: number;
  readonly stoppedEarly: boolean;
  /** Stopped by `signal` or Kernel > Interrupt; `history` holds the completed epochs only. */
  readonly aborted: boolean;
  readonly totalSeconds: number;
  readonly runDir?: string;
}

/** Weights n_samples / (n_classes · count_c), as scikit-learn's 'balanced': rare classes weigh more. */
export function balancedClassWeights(counts: readonly number[]): Record<number, number> {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return Object.fromEntries(counts.map((c, i) => [i, c > 0 ? total / (present * c) : 0]));
}

/** One epoch's record from fitDataset's logs. */
function epochRecord(
  epoch: number,
  logs: tf.Logs | undefined,
  lr: number,
  seconds: number,
  samples: number,
  timing: { readonly trainSeconds: number; readonly dataWaitSeconds?: number },
): EpochRecord {
  return {
    epoch,
    loss: metricOf(logs, 'loss') ?? NaN,
    acc: metricOf(logs, 'acc'),
    val_loss: metricOf(logs, 'val_loss'),
    val_acc: metricOf(logs, 'val_acc'),
    lr,
    seconds,
    samplesPerSecond: seconds > 0 ? samples / seconds : 0,
    trainSeconds: timing.trainSeconds,
    ...(timing.dataWaitSeconds !== undefined ? { dataWaitSeconds: timing.dataWaitSeconds } : {}),
    numTensors: tf.memory().numTensors,
  };
}

/** The metrics of a record the live chart draws (absent ones left out). */
function chartPoint(record: EpochRecord): Record<string, number> {
  const point: Record<string, number> = { loss: record.loss };
  for (const key of ['acc', 'val_loss', 'val_acc'] as const) {
    const value = record[key];
    if (value !== undefined) point[key] = value;
  }
  return point;
}

/**
 * Where a run starts: fresh (weights seeded, an old run in runDir cleared) or
 * after the last checkpoint of a matching run (weights and optimizer restored).
 */
async function startingPoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  options: TrainOptions,
  fingerprint: RunFingerprint,
  resume: ResumeMode,
  log: ((line: string) => void) | null,
): Promise<{ state: CheckpointState; plan: ReturnType<typeof planResume>; batchesPerEpoch: number | undefined }> {
  const fresh: CheckpointState = {
    epoch: -1,
    iteration: 0,
    baseLr: fingerprint.optimizer.learningRate,
    history: [],
    plateau: { best: null, wait: 0 },
    earlyStopping: { best: null, wait: 0 },
    normalization: options.normalization,
    labels: options.labels,
    seed: options.seed,
  };
  if (options.runDir) requireRunFolder(options.runDir);
  const plan = planResume(options.runDir, resume, fingerprint);
  if (plan.line) log?.(plan.line);
  // A fresh run clears the old one: its epoch-NNNN folders would sort after the new ones and be kept instead.
  if (options.runDir && plan.clear) clearRun(options.runDir);
  const checkpoint = plan.checkpoint;
  if (!checkpoint) {
    if (options.seed !== undefined) {
      if (isPretrained(model))
        throw new Error(
          `train: seed ${options.seed} would re-initialise the learned weights of "${model.name}" (a loaded or pretrained model); ` +
            'leave seed unset to fine-tune it (seed the new head with withNewHead instead)',
        );
      seedWeights(model, options.seed);
    }
    return { state: fresh, plan, batchesPerEpoch: undefined };
  }
  await checkpoint.restore(model, optimizer);
  const state = { ...checkpoint.state, normalization: options.normalization ?? checkpoint.state.normalization };
  // Same configuration, so the same batches per epoch: the progress bar knows its total from the start.
  return { state, plan, batchesPerEpoch: state.fingerprint?.batchesPerEpoch };
}

/**
 * Trains `model` (softmax output [N,numClasses]) on `data` for `options.epochs`.
 * With a runDir it checkpoints every epoch (`checkpoints/epoch-0007` after the
 * 7th) and, when run again with the same runDir and the same configuration,
 * resumes after the last completed epoch (weights, optimizer moments, LR and
 * monitors restored). A run with other settings starts fresh in that runDir
 * and says why in one line; see {@link TrainOptions.resume}. The model is
 * compiled here.
 */
export async function train(
  model: tf.LayersModel,
  data: tf.data.Dataset<Batch>,
  options: TrainOptions,
): Promise<TrainResult> {
  // Before anything touches the model: a second run on it would recompile and restore into the first.
  const release = claimTraining(model, options.runDir);
  let unlock: (() => void) | undefined;
  // From here on Kernel > Interrupt aborts the signal instead of abandoning the cell (see notebook/interrupt).
  const interrupt = interruptScope(options.signal);
  try {
    // Another process training into the same folder would lose its checkpoints to this one's fresh start.
    if (options.runDir) {
      unlock = lockRunFolder(options.runDir);
      removeTempFiles(options.runDir); // half-written files of a killed run: nobody else writes here now
    }
    return await trainClaimed(model, data, { ...options, signal: interrupt.signal });
  } finally {
    unlock?.();
    interrupt.close();
    release();
  }
}

async function trainClaimed(
  model: tf.LayersModel,
  data: tf.data.Dataset<Batch>,
  options: TrainOptions,
): Promise<TrainResult> {
  const started = Date.now();
  const prepared = await prepareTraining(model, data, options);
  return runEpochs(model, data, options, prepared, started);
}

/** What is settled before the first step: optimizer, schedule and monitors, the labels' form, and where the run starts. */
interface PreparedRun {
  readonly spec: OptimizerSpec;
  readonly schedule: LrSchedule;
  readonly plateau: PlateauOptions | false;
  readonly earlyStopping: MonitorOptions | false;
  readonly defaultMonitor: string;
  readonly log: ((line: string) => void) | null;
  readonly forEpoch: ((epoch: number) => tf.data.Dataset<Batch>) | undefined;
  readonly sparse: boolean;
  readonly optimizer: tf.Optimizer;
  readonly fingerprint: RunFingerprint;
  readonly batchesPerEpoch: number | undefined;
  readonly state: CheckpointState;
  readonly plan: ReturnType<typeof planResume>;
}

/** Checks the options and the first batch, compiles the model, and restores or seeds it. */
async function prepareTraining(
  model: tf.LayersModel,
  data: tf.data.Dataset<Batch>,
  options: TrainOptions,
): Promise<PreparedRun> {
  requireWholeNumber('train: epochs', options.epochs);
  const spec = resolveOptimizer(options.optimizer ?? 'adam');
  const schedule = options.schedule ?? (spec.decay ? timeDecay(spec.decay) : constantLr);
  const plateau: PlateauOptions | false =
    options.reduceOnPlateau ?? (spec.plateauLadder ? { ladder: spec.plateauLadder } : false);
  const earlyStopping = options.earlyStopping ?? false;
  const defaultMonitor = options.validationData ? 'val_loss' : 'loss';
  const log = options.log === undefined ? console.log : options.log;

  const resume = options.resume ?? 'auto';
  if (resume !== 'auto' && typeof resume !== 'boolean') {
    throw new Error(`train: resume must be 'auto', true or false; got ${JSON.stringify(resume)}`);
  }

  // A dataset that gives epochs by number is peeked at and trained on by epoch, so a peek or a resume shifts nothing.
  const forEpoch = epochsOf(data);
  const first = await inspectFirstBatch(model, forEpoch ? forEpoch(0) : data);
  const sparse = first.sparse;
  const optimizer = createOptimizer(spec);
  model.compile({
    optimizer,
    loss: sparse ? 'sparseCategoricalCrossentropy' : 'categoricalCrossentropy',
    metrics: [accuracyMetric(sparse)],
  });
  let batchesPerEpoch =
    options.batchesPerEpoch ?? (Number.isFinite(data.size) && data.size > 0 ? data.size : undefined);
  const fingerprint: RunFingerprint = {
    inputShape: model.inputs.map((input) => input.shape.slice(1)),
    ...describeModel(model),
    xsShape: first.xsShape,
    ysShape: first.ysShape,
    batchesPerEpoch,
    labels: options.labels,
    normalization: options.normalization,
    optimizer: spec,
    schedule: scheduleLabel(schedule),
    reduceOnPlateau: plateau,
    earlyStopping,
    classWeight: options.classWeight,
    seed: options.seed,
    ...(options.augmentation === undefined ? {} : { augmentation: options.augmentation }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    epochs: options.epochs,
  };

  const begin = await startingPoint(model, optimizer, options, fingerprint, resume, log);
  batchesPerEpoch ??= begin.batchesPerEpoch;
  return {
    spec,
    schedule,
    plateau,
    earlyStopping,
    defaultMonitor,
    log,
    forEpoch,
    sparse,
    optimizer,
    fingerprint,
    batchesPerEpoch,
    state: begin.state,
    plan: begin.plan,
  };
}

/**
 * What the epochs change as they run: the checkpoint state, the monitors, and
 * the counters of the epoch in progress. fitDataset's callbacks share it.
 */
interface EpochLoop {
  readonly model: tf.LayersModel;
  readonly options: TrainOptions;
  readonly prepared: PreparedRun;
  readonly startEpoch: number;
  readonly history: EpochRecord[];
  readonly plateauState: MonitorState;
  readonly stopState: MonitorState;
  readonly chart: LiveChart | undefined;
  bar: ProgressBar | undefined;
  state: CheckpointState;
  batchesPerEpoch: number | undefined;
  iteration: number;
  baseLr: number;
  stoppedEarly: boolean;
  aborted: boolean;
  nonFinite: NonFiniteTrainingError | undefined;
  epochStart: number;
  currentEpoch: number;
  samples: number;
  batchesDone: number;
  batchesThisEpoch: number;
  lastLoss: number;
  waitedMs: number;
  lastBatchEnd: number;
}

/** The epochs themselves: fitDataset with the schedule, monitors, checkpoints, progress and interrupts. */
async function runEpochs(
  model: tf.LayersModel,
  data: tf.data.Dataset<Batch>,
  options: TrainOptions,
  prepared: PreparedRun,
  started: number,
): Promise<TrainResult> {
  const { state, plan } = prepared;
  if (options.runDir) mkdirSync(options.runDir, { recursive: true });
  const startEpoch = state.epoch + 1;
  if (plan.finished || startEpoch >= options.epochs) {
    return {
      history: [...state.history],
      startEpoch,
      stoppedEarly: state.stoppedEarly ?? false,
      aborted: false,
      totalSeconds: 0,
      runDir: options.runDir,
    };
  }

  const showProgress = options.progress ?? true;
  const loop: EpochLoop = {
    model,
    options,
    prepared,
    startEpoch,
    history: [...state.history],
    plateauState: { ...state.plateau },
    stopState: { ...state.earlyStopping },
    chart: showProgress && inNotebook() ? liveTrainingCurves({ title: model.name }) : undefined,
    bar: undefined,
    state,
    batchesPerEpoch: prepared.batchesPerEpoch,
    iteration: state.iteration,
    baseLr: state.baseLr,
    stoppedEarly: false,
    aborted: false,
    nonFinite: undefined,
    epochStart: 0,
    currentEpoch: startEpoch,
    samples: 0,
    batchesDone: 0,
    batchesThisEpoch: 0,
    lastLoss: NaN,
    waitedMs: 0,
    lastBatchEnd: 0,
  };
  chartEarlierEpochs(loop);
  if (showProgress) loop.bar = createProgressBar(`train ${model.name}`, { unit: 'batches' });
  stopIfAborted(loop); // interrupted while reading the first batch or restoring: train no batch
  try {
    if (!loop.aborted) await fitEpochs(loop, data);
  } finally {
    loop.bar?.finish();
  }
  return endRun(loop, started);
}

/** A resumed run's chart starts with the epochs done before. */
function chartEarlierEpochs({ chart, history }: EpochLoop): void {
  if (!chart || history.length === 0) return;
  chart.update({
    loss: history.map((h) => h.loss),
    acc: history.map((h) => h.acc ?? null),
    val_loss: history.map((h) => h.val_loss ?? null),
    val_acc: history.map((h) => h.val_acc ?? null),
  });
}

/** options.signal (with Kernel > Interrupt) stops fitDataset after the current batch. */
function stopIfAborted(loop: EpochLoop): void {
  if (!loop.options.signal?.aborted || loop.aborted) return;
  loop.aborted = true;
  loop.model.stopTraining = true;
}

/** model.fitDataset from the starting epoch, by epoch when the dataset gives epochs by number. */
async function fitEpochs(loop: EpochLoop, data: tf.data.Dataset<Batch>): Promise<void> {
  const { model, options, startEpoch } = loop;
  const { forEpoch, sparse } = loop.prepared;
  const batches = forEpoch
    ? followEpochs(
        forEpoch,
        () => loop.currentEpoch,
        options,
        (ms) => (loop.waitedMs += ms),
      )
    : data;
  await model.fitDataset(prepareLabels(batches, sparse), {
    epochs: options.epochs,
    initialEpoch: startEpoch,
    validationData: options.validationData && prepareLabels(options.validationData, sparse),
    batchesPerEpoch: options.batchesPerEpoch,
    classWeight: options.classWeight as tf.ClassWeight | undefined,
    callbacks: epochCallbacks(loop),
    verbose: 0,
  });
}

function epochCallbacks(loop: EpochLoop): tf.CustomCallbackArgs {
  const { optimizer, schedule } = loop.prepared;
  return {
    onEpochBegin: async (epoch) => {
      loop.currentEpoch = epoch;
      loop.epochStart = Date.now();
      loop.lastBatchEnd = loop.epochStart;
      loop.samples = 0;
      loop.batchesThisEpoch = 0;
      loop.waitedMs = 0;
    },
    onBatchBegin: async (_batch) => {
      setLearningRate(
        optimizer,
        schedule({ epoch: loop.currentEpoch, iteration: loop.iteration, baseLr: loop.baseLr }),
      );
    },
    onBatchEnd: async (batch, logs) => afterBatch(loop, batch, logs),
    onEpochEnd: async (epoch, logs) => afterEpoch(loop, epoch, logs),
  };
}

/** Counts the batch, stops at a non-finite loss or weight, moves the bar, and honours an interrupt. */
function afterBatch(loop: EpochLoop, batch: number, logs: tf.Logs | undefined): void {
  const { model, options } = loop;
  loop.iteration += 1;
  loop.batchesDone += 1;
  loop.batchesThisEpoch += 1;
  loop.samples += metricOf(logs, 'size') ?? 0;
  loop.lastLoss = metricOf(logs, 'loss') ?? NaN;
  loop.lastBatchEnd = Date.now();
  const what = nonFiniteAfterBatch(model, loop.lastLoss);
  if (what) {
    const lastGood = loop.history[loop.history.length - 1]?.epoch;
    loop.nonFinite = nonFiniteError(what, loop.currentEpoch, batch, lastGood, options.runDir);
    model.stopTraining = true; // no validation, no record and no checkpoint of this epoch
    return;
  }
  if (loop.bar) {
    // Unknown until the first epoch ends when the dataset does not know its size: the bar counts batches.
    const total = loop.batchesPerEpoch ? loop.batchesPerEpoch * (options.epochs - loop.startEpoch) : undefined;
    loop.bar.update(
      loop.batchesDone,
      total,
      `epoch ${loop.currentEpoch + 1}/${options.epochs} loss ${loop.lastLoss.toFixed(4)}`,
    );
  }
  stopIfAborted(loop);
}

/** Records a whole epoch, steps the monitors, writes the checkpoint, and reports it. */
async function afterEpoch(loop: EpochLoop, epoch: number, logs: tf.Logs | undefined): Promise<void> {
  // A part epoch is no epoch: no record, no checkpoint; a resumed run does it again.
  if (loop.nonFinite || (loop.aborted && loop.batchesThisEpoch !== loop.batchesPerEpoch)) return;
  loop.batchesPerEpoch ??= loop.batchesThisEpoch;
  const { options, prepared } = loop;
  const seconds = (Date.now() - loop.epochStart) / 1000;
  const record = epochRecord(epoch, logs, getLearningRate(prepared.optimizer), seconds, loop.samples, {
    trainSeconds: (loop.lastBatchEnd - loop.epochStart) / 1000,
    ...(prepared.forEpoch ? { dataWaitSeconds: loop.waitedMs / 1000 } : {}),
  });
  loop.history.push(record);
  const isBest = stepEpochMonitors(loop, epoch, logs);
  if (options.runDir) await checkpointEpoch(loop, options.runDir, epoch, isBest);
  loop.chart?.onEpochEnd(epoch, chartPoint(record));
  prepared.log?.(epochLine(record, options.epochs));
  await options.onEpochEnd?.(record);
  stopIfAborted(loop); // an interrupt during validation or the checkpoint stops before the next epoch
}

/** Monitors act on this epoch's metric; a plateau lowers the rate from the next epoch on. Whether this epoch is the best. */
function stepEpochMonitors(loop: EpochLoop, epoch: number, logs: tf.Logs | undefined): boolean {
  const { plateau, earlyStopping, defaultMonitor, log } = loop.prepared;
  const monitors = stepMonitors(
    logs,
    epoch,
    { plateau, earlyStopping, defaultMonitor, baseLr: loop.baseLr },
    loop.plateauState,
    loop.stopState,
  );
  for (const line of monitors.lines) log?.(line);
  loop.baseLr = monitors.baseLr;
  if (monitors.stop) {
    loop.stoppedEarly = true;
    loop.model.stopTraining = true;
  }
  return monitors.isBest;
}

/** The epoch's checkpoint, the best model when it is the best, and history.json. */
async function checkpointEpoch(loop: EpochLoop, runDir: string, epoch: number, isBest: boolean): Promise<void> {
  const { model, options, prepared } = loop;
  loop.state = {
    ...loop.state,
    epoch,
    iteration: loop.iteration,
    baseLr: loop.baseLr,
    history: loop.history,
    plateau: { ...loop.plateauState },
    earlyStopping: { ...loop.stopState },
    fingerprint: { ...prepared.fingerprint, batchesPerEpoch: loop.batchesPerEpoch },
    stoppedEarly: loop.stoppedEarly,
  };
  await saveCheckpoint(runDir, model, prepared.optimizer, loop.state, options.keepCheckpoints ?? 2);
  if (isBest) await model.save(fileIO(join(runDir, 'best')));
  writeHistory(loop);
}

/** history.json in the runDir: the model, its optimizer and data, and every epoch so far. */
function writeHistory({ model, options, prepared, state, history }: EpochLoop): void {
  if (!options.runDir) return;
  const summary = {
    model: model.name,
    params: model.countParams(),
    optimizer: prepared.spec,
    labels: options.labels ?? state.labels,
    normalization: options.normalization ?? state.normalization,
    seed: options.seed ?? state.seed,
    epochs: history,
  };
  writeFileAtomic(join(options.runDir, 'history.json'), JSON.stringify(summary, null, 1));
}

/** After fitDataset: a non-finite loss throws, an interrupt says where it stopped, and the history is written. */
function endRun(loop: EpochLoop, started: number): TrainResult {
  const { options, history } = loop;
  if (loop.nonFinite) {
    writeHistory(loop); // the finite epochs before it
    throw loop.nonFinite;
  }
  if (loop.aborted) {
    const epochDone = history[history.length - 1]?.epoch === loop.currentEpoch;
    const part: [number, number | undefined] | undefined = epochDone
      ? undefined
      : [loop.batchesThisEpoch, loop.batchesPerEpoch];
    loop.prepared.log?.(interruptedLine(options, loop.currentEpoch, part, loop.state));
  }
  writeHistory(loop);
  return {
    history,
    startEpoch: loop.startEpoch,
    stoppedEarly: loop.stoppedEarly,
    aborted: loop.aborted,
    totalSeconds: (Date.now() - started) / 1000,
    runDir: options.runDir,
  };
}
