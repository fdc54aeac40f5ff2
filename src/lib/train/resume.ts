/**
 * Whether a `train()` call continues its runDir's checkpoint: a checkpoint
 * records the run's configuration (a {@link RunFingerprint}), and a new call
 * resumes it only when it asks for the same run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type * as tf from '@tensorflow/tfjs';

import { latestCheckpoint, type LoadedCheckpoint } from './checkpoint';
import type { RunFingerprint } from './fingerprint';

/**
 * `'auto'` resumes a checkpoint made with the same configuration and starts
 * fresh otherwise; `true` resumes and throws when the configuration differs;
 * `false` always starts fresh.
 */
export type ResumeMode = 'auto' | boolean;

/** Fields compared, in the order a difference is reported, with the words used for them. */
const COMPARED: ReadonlyArray<readonly [keyof RunFingerprint, string]> = [
  ['inputShape', 'input shape'],
  ['model', 'model'],
  ['xsShape', 'batch xs shape'],
  ['ysShape', 'batch ys shape'],
  ['batchesPerEpoch', 'batches per epoch'],
  ['labels', 'labels'],
  ['normalization', 'normalization'],
  ['optimizer', 'optimizer'],
  ['schedule', 'schedule'],
  ['reduceOnPlateau', 'reduceOnPlateau'],
  ['earlyStopping', 'earlyStopping'],
  ['classWeight', 'classWeight'],
  ['seed', 'seed'],
  ['augmentation', 'augmentation'],
  ['origin', 'starting weights'],
];

/**
 * `model.toJSON()` made comparable across builds of the same model: layer
 * names (tfjs numbers auto-named layers per process, `dense_Dense3`) become
 * their order of appearance (`#0`, `#1`, …; `layerNames` keeps them),
 * initializers (they only shape a fresh start) and version stamps are dropped.
 */
export function describeModel(model: tf.LayersModel): { model: unknown; layerNames: string[] } {
  const json = model.toJSON(null, false) as { class_name: string; config: unknown };
  const names = new Map<string, string>();
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(collect);
    else if (node && typeof node === 'object') {
      const { config } = node as { config?: { name?: unknown } };
      if (config && typeof config.name === 'string' && !names.has(config.name)) {
        names.set(config.name, `#${names.size}`);
      }
      Object.values(node).forEach(collect);
    }
  };
  collect(json);
  const rename = (node: unknown): unknown => {
    if (typeof node === 'string') return names.get(node) ?? node;
    if (Array.isArray(node)) return node.map(rename);
    if (!node || typeof node !== 'object') return node;
    const entries = Object.entries(node).filter(([key]) => !/initializer$/i.test(key));
    return Object.fromEntries(entries.map(([key, value]) => [key, rename(value)]));
  };
  return { model: { class_name: json.class_name, config: rename(json.config) }, layerNames: [...names.keys()] };
}

/** A path into two JSON values and what each holds there. */
interface Difference {
  readonly path: ReadonlyArray<string | number>;
  readonly saved: unknown;
  readonly current: unknown;
}

const isPrimitive = (v: unknown) => v === null || typeof v !== 'object';

/** The first place two JSON values differ (arrays of numbers/strings compare whole). */
function firstDifference(saved: unknown, current: unknown, path: Array<string | number> = []): Difference | undefined {
  if (Array.isArray(saved) && Array.isArray(current)) {
    if (saved.every(isPrimitive) && current.every(isPrimitive)) {
      return JSON.stringify(saved) === JSON.stringify(current) ? undefined : { path, saved, current };
    }
    if (saved.length !== current.length)
      return { path: [...path, 'length'], saved: saved.length, current: current.length };
    for (let i = 0; i < saved.length; i++) {
      const d = firstDifference(saved[i], current[i], [...path, i]);
      if (d) return d;
    }
    return undefined;
  }
  if (saved && current && typeof saved === 'object' && typeof current === 'object') {
    const a = saved as Record<string, unknown>;
    const b = current as Record<string, unknown>;
    for (const key of new Set([...Object.keys(b), ...Object.keys(a)])) {
      const d = firstDifference(a[key], b[key], [...path, key]);
      if (d) return d;
    }
    return undefined;
  }
  return saved === current ? undefined : { path, saved, current };
}

/** `model layer fc6 (Dense) units` for a path into a {@link describeModel} config; the keys elsewhere. */
function describePath(
  label: string,
  path: ReadonlyArray<string | number>,
  current: unknown,
  layerNames: readonly string[],
): string {
  const words = [label];
  let node = current;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const next = path[i + 1];
    if (key === 'layers' && typeof next === 'number') {
      const layer = (node as Record<string, unknown[]> | undefined)?.layers?.[next] as
        { class_name?: string; config?: { name?: string } } | undefined;
      // '#3' → the layer's name in this run's model; else its position.
      const placeholder = /^#(\d+)$/.exec(layer?.config?.name ?? '');
      const name = placeholder ? layerNames[Number(placeholder[1])] : undefined;
      words.push(`layer ${name ?? next + 1}${layer?.class_name ? ` (${layer.class_name})` : ''}`);
      node = layer;
      i++;
      continue;
    }
    if (key === 'layers' && next === 'length') {
      words.push('layer count');
      break;
    }
    if (key !== 'config') words.push(String(key));
    node = (node as Record<string | number, unknown> | undefined)?.[key];
  }
  return words.join(' ');
}

function formatValue(value: unknown): string {
  const text = value === undefined ? 'none' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

/**
 * Why a checkpoint's fingerprint does not match this run, as
 * `optimizer learningRate 0.003, this run has 0.001`, or undefined when it
 * matches. A checkpoint without one (written before fingerprints) never matches.
 */
export function fingerprintMismatch(saved: RunFingerprint | undefined, current: RunFingerprint): string | undefined {
  if (!saved) return 'no record of its configuration (an older actlab wrote it)';
  const json = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  for (const [field, label] of COMPARED) {
    // A dataset of unknown size learns its batches per epoch only after the first epoch.
    if (field === 'batchesPerEpoch' && (saved.batchesPerEpoch === undefined || current.batchesPerEpoch === undefined))
      continue;
    const d = firstDifference(json(saved[field]), json(current[field]));
    if (d) {
      const where = describePath(label, d.path, json(current[field]), current.layerNames);
      return `${where} ${formatValue(d.saved)}, this run has ${formatValue(d.current)}`;
    }
  }
  return undefined;
}

/** What `train()` does with a runDir's checkpoint. */
export interface ResumePlan {
  /** The checkpoint to restore, when resuming (or returning a finished run). */
  readonly checkpoint?: LoadedCheckpoint;
  /** The run is already complete: restore and return its history without training. */
  readonly finished: boolean;
  /** Delete the runDir's old checkpoints before training. */
  readonly clear: boolean;
  /** One line for the log saying what happens and why. */
  readonly line?: string;
}

const FRESH_HINT = 'starting fresh (another runDir keeps the old run)';

/**
 * Decides between resuming and starting fresh (see {@link ResumeMode}). With
 * a matching configuration: fewer epochs done than asked continues; as many
 * (or an early stop within the target it was made with) returns the finished
 * run; more epochs done than asked starts fresh in 'auto' and returns the
 * finished run with `resume: true`. Throws for `resume: true` when the
 * configuration differs.
 */
export function planResume(runDir: string | undefined, mode: ResumeMode, current: RunFingerprint): ResumePlan {
  if (!runDir) return { finished: false, clear: false };
  if (mode === false) {
    // Starting over needs nothing from the old checkpoints, damaged or not.
    if (!existsSync(join(runDir, 'checkpoints', 'latest.json'))) return { finished: false, clear: false };
    return {
      finished: false,
      clear: true,
      line: `resume: false, so the old checkpoints in ${runDir} were deleted`,
    };
  }
  const found = latestCheckpoint(runDir);
  if (!found) return { finished: false, clear: false };
  const plan = planFromCheckpoint(runDir, mode, current, found);
  // A damaged newer checkpoint is said first, then what was done instead.
  const notes = found.skipped.map((why) => `${why}; using the one before it`);
  return notes.length > 0 ? { ...plan, line: [...notes, ...(plan.line ? [plan.line] : [])].join('\n') } : plan;
}

function planFromCheckpoint(
  runDir: string,
  mode: ResumeMode,
  current: RunFingerprint,
  checkpoint: LoadedCheckpoint,
): ResumePlan {
  const { state } = checkpoint;
  const mismatch = fingerprintMismatch(state.fingerprint, current);
  const done = state.epoch + 1;
  if (mismatch) {
    if (mode === true) {
      throw new Error(
        `train: cannot resume ${runDir}: the checkpoint was made with ${mismatch}; ` +
          `train with the settings it was made with, or pass resume: false to start fresh`,
      );
    }
    const why = state.fingerprint ? `the checkpoint was made with ${mismatch}` : `the checkpoint has ${mismatch}`;
    return { finished: false, clear: true, line: `${runDir}: ${why}; ${FRESH_HINT}` };
  }
  const target = current.epochs;
  const savedTarget = state.fingerprint!.epochs;
  if (state.stoppedEarly && target <= savedTarget) {
    return {
      checkpoint,
      finished: true,
      clear: false,
      line: `${runDir}: this run stopped early after ${done} epochs; returning its history (resume: false trains again)`,
    };
  }
  if (done > target && mode === 'auto') {
    return {
      finished: false,
      clear: true,
      line: `${runDir}: the checkpoint has ${done} epochs done, this run asks for ${target}; ${FRESH_HINT}`,
    };
  }
  if (done >= target) {
    return {
      checkpoint,
      finished: true,
      clear: false,
      line: `${runDir}: already trained ${done} epochs with these settings; returning its history (resume: false trains again)`,
    };
  }
  return {
    checkpoint,
    finished: false,
    clear: false,
    line: `resuming ${runDir} after epoch ${done} of ${target} (checkpoint ${checkpoint.dir})`,
  };
}
