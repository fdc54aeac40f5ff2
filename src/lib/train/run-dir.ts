import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import '../layers'; // registers actlab's custom layers, so saved models that use them load

import { packageRoot } from '../util/package-root';
import type { EpochRecord, NormalizationStats } from './checkpoint';
import { fileIO } from '../models/file-io';
import { markPretrained } from '../models/shape';

/**
 * The folder of the tutorial's runs: `ACTLAB_RUNS_DIR` when set (the notebook
 * runner sets it, so `npm test` trains in `out/test-runs` apart from
 * `npm run tutorial`'s `out/runs`), else `<package>/out/runs`.
 */
export function tutorialRunsDir(): string {
  const fromEnv = process.env.ACTLAB_RUNS_DIR;
  return fromEnv ? path.resolve(fromEnv) : path.join(packageRoot(), 'out', 'runs');
}

/** Where the tutorial keeps a run (checkpoints, history.json, the final model): `<runs>/<name>`, see {@link tutorialRunsDir}. */
export function tutorialRunDir(name: string): string {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`run name "${name}" may use letters, digits, '.', '_' and '-' only`);
  return path.join(tutorialRunsDir(), name);
}

/**
 * Loads the model a tutorial chapter saved in `tutorialRunDir(name)/model`;
 * says which chapter to run when it is not there yet.
 */
export async function loadTutorialModel(name: string, chapter: string): Promise<tf.LayersModel> {
  const file = path.join(tutorialRunDir(name), 'model', 'model.json');
  if (!fs.existsSync(file))
    throw new Error(`${file} not found: run notebook ${chapter} first (it trains and saves "${name}")`);
  return markPretrained(await tf.loadLayersModel(fileIO(file)));
}

/** What `train()` writes to `<runDir>/history.json`. */
export interface RunHistory {
  readonly model: string;
  readonly params: number;
  readonly labels?: readonly string[];
  readonly normalization?: NormalizationStats;
  readonly seed?: number;
  readonly epochs: readonly EpochRecord[];
}

/** Reads a run's history.json; says which chapter to run when it is missing. */
export function readRunHistory(name: string, chapter: string): RunHistory {
  const file = path.join(tutorialRunDir(name), 'history.json');
  if (!fs.existsSync(file)) throw new Error(`${file} not found: run notebook ${chapter} first (it trains "${name}")`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as RunHistory;
}
