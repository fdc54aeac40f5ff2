/**
 * Run-folder checkpoints: model + optimizer state + epoch + normalisation
 * stats + label map + the run's configuration, written so that a kill at any
 * moment leaves the previous checkpoint intact (files are renamed into place;
 * `latest.json` moves last). Folders are numbered like the log: `epoch-0004`
 * holds the run after its 4th epoch (older actlab counted from 0 and called
 * it `epoch-0003`; `latest.json` names the folder, so both still load).
 *
 * ```
 * runDir/
 *   history.json                 one record per epoch (written every epoch)
 *   checkpoints/latest.json      {"epochsDone": 4, "dir": "epoch-0004"}
 *   checkpoints/epoch-0004/      model.json, weights.bin, optimizer.json, optimizer.bin, state.json
 *   best/                        model.json, weights.bin of the best epoch (by the monitored metric)
 * ```
 */
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { fileIO, toArrayBuffer, weightBytes } from '../models/file-io';
import type { NormalizationLike } from '../pipeline/types';
import { writeFileAtomic } from '../util/atomic-write';
import type { RunFingerprint } from './fingerprint';
import type { MonitorState } from './schedule';

/** Per-channel (or single) mean and std the inputs were normalised with: x' = (x − mean) / std. */
/** The input normalisation a run records (the pipeline's `NormalizationLike`). */
export type NormalizationStats = NormalizationLike;

/** One epoch of a run. Metric names follow tfjs logs: loss, acc, val_loss, val_acc. */
export interface EpochRecord {
  /** 0-based epoch index. */
  readonly epoch: number;
  readonly loss: number;
  readonly acc?: number;
  readonly val_loss?: number;
  readonly val_acc?: number;
  /** Learning rate at the end of the epoch. */
  readonly lr: number;
  /** Wall-clock seconds of the epoch (training + validation). */
  readonly seconds: number;
  /** Training samples per second. */
  readonly samplesPerSecond: number;
  /** Seconds of the training batches (the epoch without validation and checkpoint). */
  readonly trainSeconds?: number;
  /**
   * Seconds the training steps waited for the next batch: the input pipeline's
   * stall (measured for datasets with `forEpoch`, as clip pipelines have).
   */
  readonly dataWaitSeconds?: number;
  /** tf.memory().numTensors at the end of the epoch (flat across epochs = no leak). */
  readonly numTensors: number;
}

/** Everything besides the weights that a resumed run needs. */
export interface CheckpointState {
  /** Last completed epoch (0-based: `epoch + 1` epochs are done). */
  readonly epoch: number;
  /** Optimizer steps so far (drives per-step schedules). */
  readonly iteration: number;
  /** Base learning rate (after plateau reductions). */
  readonly baseLr: number;
  readonly history: readonly EpochRecord[];
  readonly plateau: MonitorState;
  readonly earlyStopping: MonitorState;
  readonly normalization?: NormalizationStats;
  /** Class names in label-index order. */
  readonly labels?: readonly string[];
  readonly seed?: number;
  /** What the run was asked to do; a run resumes only with the same (absent before actlab recorded it). */
  readonly fingerprint?: RunFingerprint;
  /** Early stopping ended the run at this epoch. */
  readonly stoppedEarly?: boolean;
}

/** `epoch-0004` for the checkpoint after 4 epochs. */
const folderName = (epochsDone: number) => `epoch-${String(epochsDone).padStart(4, '0')}`;

/**
 * Saves model, optimizer and state under `runDir/checkpoints/epoch-NNNN` (NNNN
 * = epochs done, 1-based like the log), then points latest.json at it; keeps
 * the newest `keep`.
 */
export async function saveCheckpoint(
  runDir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  state: CheckpointState,
  keep = 2,
): Promise<string> {
  const root = join(runDir, 'checkpoints');
  const name = folderName(state.epoch + 1);
  const dir = join(root, name);
  await model.save(fileIO(dir));
  const optimizerWeights = await optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(optimizerWeights);
  // getWeights returns the optimizer's own variables plus a new iteration-count scalar: free only the latter.
  tf.dispose(optimizerWeights.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  writeFileAtomic(join(dir, 'optimizer.bin'), weightBytes(encoded.data));
  writeFileAtomic(
    join(dir, 'optimizer.json'),
    JSON.stringify({ className: optimizer.getClassName(), specs: encoded.specs }),
  );
  writeFileAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 1));
  writeFileAtomic(join(root, 'latest.json'), JSON.stringify({ epochsDone: state.epoch + 1, dir: name }));
  // Older checkpoints go only after latest.json points at the new one.
  const old = readdirSync(root)
    .filter((d) => /^epoch-\d{4}$/.test(d))
    .sort()
    .slice(0, -Math.max(1, keep));
  for (const d of old) rmSync(join(root, d), { recursive: true, force: true });
  return dir;
}

/** What a run folder holds; one of them shows a folder is a run's (train's, or the `train` command's). */
const RUN_ENTRIES = ['checkpoints', 'best', 'history.json', 'run.json', 'model'];

/**
 * Throws when `runDir` holds files but none a run writes: a fresh run clears
 * its run's files there, so it must not start in a folder of something else.
 */
export function requireRunFolder(runDir: string): void {
  if (!existsSync(runDir)) return;
  const entries = readdirSync(runDir).filter((name) => !name.startsWith('.'));
  if (entries.length === 0 || entries.some((name) => RUN_ENTRIES.includes(name))) return;
  throw new Error(
    `train: ${runDir} already holds files a training run did not write (e.g. ${entries[0]}); ` +
      'nothing there was touched: choose a new or empty folder for the run',
  );
}

/** Deletes what a run wrote to `runDir` (checkpoints, best model, history.json) so a new run starts clean. */
export function clearRun(runDir: string): void {
  for (const entry of ['checkpoints', 'best', 'history.json']) {
    rmSync(join(runDir, entry), { recursive: true, force: true });
  }
}

export interface LoadedCheckpoint {
  readonly dir: string;
  readonly state: CheckpointState;
  /** Newer checkpoints passed over because they were damaged, each naming the file and what is wrong. */
  readonly skipped: readonly string[];
  /** Copies the saved weights into `model` (same architecture) and the optimizer state into `optimizer`. */
  restore(model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void>;
}

/**
 * The latest intact checkpoint of a run, or undefined when there is none yet.
 * The one latest.json names comes first; when it (or latest.json) is damaged, the
 * newest older one that is intact is used and `skipped` says why. Throws, naming
 * each file, when checkpoints exist and none is intact.
 */
export function latestCheckpoint(runDir: string): LoadedCheckpoint | undefined {
  const root = join(runDir, 'checkpoints');
  const pointer = join(root, 'latest.json');
  if (!existsSync(pointer)) return undefined;
  const skipped: string[] = [];
  let named: string | undefined;
  try {
    named = (JSON.parse(readFileSync(pointer, 'utf8')) as { dir?: unknown }).dir as string;
    if (typeof named !== 'string' || !/^epoch-\d{4}$/.test(named)) throw new Error(`names no checkpoint folder`);
  } catch (error) {
    skipped.push(`${pointer} is damaged (${(error as Error).message})`);
    named = undefined;
  }
  const folders = readdirSync(root)
    .filter((d) => /^epoch-\d{4}$/.test(d))
    .sort()
    .reverse();
  // Folders newer than the one latest.json names were never finished (it moves last).
  const candidates = named ? [named, ...folders.filter((d) => d < named!)] : folders;
  for (const name of candidates) {
    const dir = join(root, name);
    const read = readIntact(dir);
    if ('damage' in read) {
      skipped.push(read.damage);
      continue;
    }
    return { dir, state: read.state, skipped, restore: (model, optimizer) => restoreCheckpoint(dir, model, optimizer) };
  }
  throw new Error(
    `train: no intact checkpoint in ${root}: ${skipped.join('; ')}; ` +
      'start the run over (resume: false, or --fresh), or restore the folder from a backup',
  );
}

/** A checkpoint folder's state when every file reads whole, else what is wrong (one file, one reason). */
function readIntact(dir: string): { state: CheckpointState } | { damage: string } {
  const json = <T>(name: string): T => {
    const file = join(dir, name);
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  const sized = (name: string, specs: readonly tf.io.WeightsManifestEntry[]) => {
    const file = join(dir, name);
    const want = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * bytesPer(s.dtype), 0);
    const have = statSync(file, { throwIfNoEntry: false })?.size;
    if (have !== want)
      throw new Error(`${file}: ${have === undefined ? 'missing' : `${have} bytes`}, its manifest says ${want}`);
  };
  try {
    const state = json<CheckpointState>('state.json');
    const model = json<{ weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }> }>(
      'model.json',
    );
    for (const group of model.weightsManifest ?? []) {
      if (group.paths.length === 1) sized(group.paths[0]!, group.weights);
    }
    sized('optimizer.bin', json<{ specs: tf.io.WeightsManifestEntry[] }>('optimizer.json').specs);
    return { state };
  } catch (error) {
    return { damage: `checkpoint ${dir} is damaged (${(error as Error).message})` };
  }
}

/** Bytes per value of a saved weight (float32 and int32: 4; bool: 1). */
function bytesPer(dtype: string): number {
  return dtype === 'bool' ? 1 : 4;
}

async function restoreCheckpoint(dir: string, model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
  await restoreWeights(model, dir);
  const { specs, className } = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8')) as {
    specs: tf.io.WeightsManifestEntry[];
    className: string;
  };
  if (className !== optimizer.getClassName()) {
    throw new Error(
      `resume: the checkpoint in ${dir} was trained with ${className} but this run uses ${optimizer.getClassName()}; use the same optimizer or start a new runDir`,
    );
  }
  if (specs.length === 0) return;
  const map = tf.io.decodeWeights(toArrayBuffer(readFileSync(join(dir, 'optimizer.bin'))), specs);
  await optimizer.setWeights(specs.map((s) => ({ name: s.name, tensor: map[s.name]! })));
  // setWeights copies into new variables.
  tf.dispose(Object.values(map));
}

/**
 * Deletes what killed writers left half-written in the checkpoints (`*.tmp-<pid>`):
 * called with the run folder's lock held, so no live writer owns one.
 */
export function removeTempFiles(runDir: string): void {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return;
  for (const folder of [root, ...readdirSync(root).map((d) => join(root, d))]) {
    if (!statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder)) {
      if (/\.tmp-\d+$/.test(name)) rmSync(join(folder, name), { force: true });
    }
  }
}

/** Loads the weights saved in `dir` (model.json + weights.bin) into `model`, in order; throws if the shapes differ. */
export async function restoreWeights(model: tf.LayersModel, dir: string): Promise<void> {
  const artifacts = await fileIO(dir).load();
  const specs = artifacts.weightSpecs ?? [];
  const map = tf.io.decodeWeights(artifacts.weightData!, specs);
  const tensors = specs.map((s) => map[s.name]!);
  const mismatch = model.weights.findIndex((w, i) => String(tensors[i]?.shape) !== String(w.shape));
  if (tensors.length !== model.weights.length || mismatch >= 0) {
    tf.dispose(tensors);
    const at =
      mismatch >= 0
        ? ` (first difference: ${model.weights[mismatch]!.name} is [${model.weights[mismatch]!.shape}])`
        : '';
    throw new Error(
      `restoreWeights: ${dir} holds ${tensors.length} weights but the model has ${model.weights.length}${at}; build the model with the same options it was trained with`,
    );
  }
  model.setWeights(tensors);
  tf.dispose(tensors);
}
