/**
 * A recipe run end to end, as `actlab train`, `eval` and `doctor` call it:
 * train a recipe's model on a frame cache into a run folder, evaluate that
 * folder on a cache's split, diagnose a fresh recipe model. Bad input throws
 * a {@link RunInputError} that names the value and the fix, before any work.
 *
 * ```
 * RUN/
 *   run.json          model, cache (absolute path), clip frames/size/pixel format, seed, epochs, batch size
 *   history.json      per-epoch metrics, normalisation and labels (written by train())
 *   checkpoints/      resumable state (train())
 *   model/            model.json + weights.bin of the last epoch
 * ```
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import '../layers'; // registers actlab's custom layers, so saved models that use them load

import {
  CHECK_IDS,
  type CheckId,
  type CheckResult,
  diagnose,
  type DiagnoseOptions,
  type Diagnosis,
  type PlantedBug,
  plantBug,
} from '../doctor';
import type { Split } from '../data/types';
import { evaluate, type EvaluationReport } from '../eval';
import {
  type ClipPipeline,
  type ClipPipelineOptions,
  computeChannelStats,
  createClipPipeline,
  type NormalizationLike,
  type SplitSelection,
} from '../pipeline';
import type { AugmentOptions } from '../pipeline/augment';
import { withNewHead } from '../models/transfer';
import { fileIO, lockRunFolder, type ResumeMode, type RunHistory, train } from '../train';
import { MASKS_FOLDER, readPlan, SCENES_FOLDER } from '../video/cache-format';
import { writeFileAtomic } from '../util/atomic-write';
import { appliedKernelPacks } from '../kernels/registry';
import { recordScore } from './scores';
import { openClipCache } from '../video/cache-reader';
import type { PixelFormat } from '../video/frames';
import { recipe, RECIPE_MODELS, type Recipe, type RecipeModel } from './tutorial';

/** A user mistake (not a frame cache, wrong clip shape, no trained run): the message names the value and the fix. */
export class RunInputError extends Error {
  override name = 'RunInputError';
}

/** The clips a frame cache holds: what a model is built for, and what a run records. */
export interface ClipFormat {
  readonly frames: number;
  readonly width: number;
  readonly height: number;
  readonly pixelFormat: PixelFormat;
}

/** What a run needs to know about a frame cache, read from its index without reading any clip. */
export interface CacheInfo extends ClipFormat {
  /** Absolute path of the cache folder. */
  readonly dir: string;
  /** One clip `[T,H,W,C]`. */
  readonly shape: readonly [number, number, number, number];
  /** Class names in label-index order. */
  readonly classes: readonly string[];
  /** Clips per split (`none` for clips without one). */
  readonly splits: Readonly<Record<string, number>>;
  /** The cache holds person masks and empty scenes (`masks/`, `scenes/`): the scene paste can run. */
  readonly masked: boolean;
  /** Its dataset ships person masks that the cache lacks (a sharded extract or a merge left them out). */
  readonly masksMissing: boolean;
}

/** `RUN/run.json`: what `actlab eval` needs to rebuild the run's input pipeline. */
export interface RunRecord extends ClipFormat {
  readonly model: RecipeModel;
  /** The cache it was trained on (absolute path). */
  readonly data: string;
  readonly seed: number;
  /** Epochs asked for (see history.json for those completed). */
  readonly epochs: number;
  /** Clips (or frames) per training batch: the recipe's unless set. */
  readonly batchSize: number;
  /** The optimizer's base learning rate: the recipe's unless set; absent in runs made before it was recorded. */
  readonly learningRate?: number;
  /** The model's width as a multiple of the recipe's (1: the recipe's); absent in runs made before it was recorded. */
  readonly modelWidth?: number;
  /** The backend and kernel packs it trained on, e.g. `wasm (conv-im2col, onednn)`. */
  readonly backend?: string;
  /** How the training clips were augmented; absent in runs made before it was recorded ('default'). */
  readonly augment?: AugmentMode;
  /** The scene paste's probability (0 without it). */
  readonly scenePaste?: number;
  /** The run whose model it started from (absolute path), with a new head; absent when trained from scratch. */
  readonly from?: string;
  /** With `from`: whether only the new head trained. */
  readonly freeze?: boolean;
  /** A shortcut planted in every training and validation batch (the doctor chapter's demonstration). */
  readonly plant?: 'class-marker';
}

export interface TrainRunOptions {
  /** A recipe name (`RECIPE_MODELS`). */
  readonly model: string;
  /** A frame cache with train, val and test splits (`actlab extract`). */
  readonly data: string;
  /** The run folder: checkpoints, history.json, run.json and the final model. */
  readonly out: string;
  /** Total epochs. @default the recipe's */
  readonly epochs?: number;
  /** Seeds the initial weights, the shuffle order and the augmentation. @default 1 (the notebooks' seed) */
  readonly seed?: number;
  /** The optimizer's base learning rate (its schedule scales it as before). @default the recipe's */
  readonly learningRate?: number;
  /** Clips (or frames, for a frame model) per training batch. @default the recipe's */
  readonly batchSize?: number;
  /** The model's width (filters per layer) as a multiple of the recipe's; not with `from`. @default 1 */
  readonly modelWidth?: number;
  /**
   * Checkpoints already in `out`: 'auto' resumes only a run made with the same
   * configuration (else starts fresh and says so), true must resume, false
   * starts fresh (see train()'s `resume`). @default 'auto'
   */
  readonly resume?: ResumeMode;
  /** train()'s progress bar. @default true */
  readonly progress?: boolean;
  /** Where per-epoch and resume lines go; null for silence. @default console.log */
  readonly log?: ((line: string) => void) | null;
  /** Stops after the current batch; the last completed epoch stays checkpointed. */
  readonly signal?: AbortSignal;
  /**
   * `default`: the recipe's augmentation, plus the scene paste where the
   * cache holds person masks and empty scenes (the people set); `plain`: the
   * recipe's augmentation without the scene paste, as one trains on real data
   * that has no masks; `strong`: `default` plus {@link STRONG_AUGMENT}'s crops,
   * rotations, zooms and stronger brightness/contrast; `none`: no augmentation.
   * @default 'default'
   */
  readonly augment?: AugmentMode;
  /**
   * A run folder (its `model/` and `history.json`, e.g. a backbone pretrained
   * on stills) to start from instead of fresh weights: its model gets a new
   * head, seeded by `seed`, for this cache's classes, and the clips are
   * normalised with the run's statistics, as its model expects. @default none
   */
  readonly from?: string;
  /** With `from`: train only the new head, the backbone and its batch norms fixed. @default false */
  readonly freeze?: boolean;
  /**
   * Plants a shortcut in every training and validation batch: a corner patch
   * whose colour encodes the class (`doctor.plantBug`'s 'class-marker').
   * The test and swapped scores are taken without it; `diagnoseTrainedRun`
   * plants it again, as the shortcut would be in a real dataset's test clips. @default none
   */
  readonly plant?: 'class-marker';
}

/** How a recipe run augments its training clips (see {@link TrainRunOptions.augment}). */
export type AugmentMode = 'default' | 'plain' | 'strong' | 'none';
export const AUGMENT_MODES: readonly AugmentMode[] = ['default', 'plain', 'strong', 'none'];

/**
 * What `strong` adds to a recipe's augmentation: the pipeline's random crops,
 * rotations and zooms (the recipes leave them out because at 32×32 resampling
 * blurs away one-pixel motions; at 112×112 they are the usual regularisers) and
 * twice its brightness and contrast jitter.
 */
export const STRONG_AUGMENT: AugmentOptions = {
  cropScale: [0.8, 1],
  rotation: 10,
  zoom: 0.1,
  brightness: 0.2,
  contrast: 0.4,
};

/**
 * Probability of the scene paste in the default augmentation: most training
 * clips are shown in front of a random scene, the rest keep their own, so
 * the model still sees real backgrounds with their camera shake.
 */
export const SCENE_PASTE = 0.8;

/** The pipeline augmentation of `chosen` under `mode`, for a cache that does or does not hold masks and scenes. */
export function recipeAugmentation(chosen: Recipe, mode: AugmentMode, masked: boolean): AugmentOptions | false {
  if (!AUGMENT_MODES.includes(mode)) {
    throw new RunInputError(`augment must be one of ${AUGMENT_MODES.join(', ')}, got "${mode}"`);
  }
  if (mode === 'none' || chosen.augment === false) return false;
  const base = mode === 'strong' ? { ...chosen.augment, ...STRONG_AUGMENT } : chosen.augment;
  return mode !== 'plain' && masked ? { ...base, scenePaste: SCENE_PASTE } : base;
}

export interface TrainRunResult {
  /** Absolute path of the run folder. */
  readonly run: string;
  /** Epochs completed, including those before a resume. */
  readonly epochs: number;
  /** Best validation top-1 of any epoch. */
  readonly bestValTop1: number;
  /** Training samples per second in the last epoch. */
  readonly samplesPerSecond: number;
  /** True when `signal` stopped training: no final model and no test evaluation. */
  readonly aborted: boolean;
  /** The test split's evaluation (absent when aborted). */
  readonly test?: RunEvaluation;
  /** The swapped split's evaluation, when the cache has one (the people set): the same actions in other scenes. */
  readonly swapped?: RunEvaluation;
}

/** One evaluation of a run: the sample-level report, and the video-level top-1. */
export interface RunEvaluation {
  /**
   * Each sample on its own: a clip for clip models, the middle frame of each
   * clip for a frame model (what its validation accuracy measured).
   */
  readonly report: EvaluationReport;
  /** Clips are videos: equals the report's top-1 for clip models; a frame model's frame probabilities averaged per clip. */
  readonly videoTop1: number;
}

/** The doctor's checks a healthy-model run leaves out: the slow LR test, the label map and leakage. */
const NOT_HEALTH_CHECKS: readonly CheckId[] = ['learning-rate', 'label-map', 'leakage'];

/** The notebooks' checks for a healthy model (chapter 09): every doctor check but learning rate, label map and leakage, in their order. */
export const HEALTHY_CHECKS: readonly CheckId[] = CHECK_IDS.filter((id) => !NOT_HEALTH_CHECKS.includes(id));

/** The recipe of `model`, or a RunInputError listing the known ones. */
export function runRecipe(model: string): Recipe {
  if (!(RECIPE_MODELS as readonly string[]).includes(model)) {
    throw new RunInputError(`unknown model "${model}"; choose one of ${RECIPE_MODELS.join(', ')}`);
  }
  return recipe(model);
}

/** `16x32x32 gray`: frames x height x width and the pixel format, as messages write a clip format. */
export function describeClips(format: ClipFormat): string {
  return `${format.frames}x${format.height}x${format.width} ${format.pixelFormat === 'gray' ? 'gray' : 'rgb'}`;
}

/** The `actlab extract` flags that make clips of `format`. */
export function extractFlags(format: ClipFormat): string {
  return `--frames ${format.frames} --size ${format.width}x${format.height}${format.pixelFormat === 'gray' ? ' --gray' : ''}`;
}

/** Reads the index of the frame cache in `dir`; a RunInputError when it is not one or holds no clips. */
export function readCacheInfo(dir: string): CacheInfo {
  const absolute = path.resolve(dir);
  const make = `make one with "actlab extract DATASET --out ${dir}"`;
  if (!fs.existsSync(absolute)) throw new RunInputError(`${dir} does not exist: ${make}`);
  if (!fs.existsSync(path.join(absolute, 'cache.json'))) {
    throw new RunInputError(`${dir} is not a frame cache (no cache.json): ${make}`);
  }
  let cache: ReturnType<typeof openClipCache>;
  try {
    cache = openClipCache(absolute);
  } catch (error) {
    throw new RunInputError(`${dir} is not a readable frame cache (${(error as Error).message}): ${make}`);
  }
  // Only shard records were read: there are no file handles to close.
  if (cache.clips.length === 0) {
    throw new RunInputError(
      `${dir} holds no clips yet (${cache.shards.complete}/${cache.shards.planned} shards complete): ` +
        `run "actlab extract DATASET --out ${dir}" until it completes`,
    );
  }
  const splits: Record<string, number> = {};
  for (const clip of cache.clips) splits[clip.split ?? 'none'] = (splits[clip.split ?? 'none'] ?? 0) + 1;
  const { frames, width, height, pixelFormat } = cache.config;
  const masked = [MASKS_FOLDER, SCENES_FOLDER].every((folder) =>
    fs.existsSync(path.join(absolute, folder, 'index.json')),
  );
  const masksMissing = !masked && (readPlan(absolute)?.items.some((item) => item.mask !== undefined) ?? false);
  return {
    dir: absolute,
    shape: cache.shape,
    classes: cache.classes,
    splits,
    frames,
    width,
    height,
    pixelFormat,
    masked,
    masksMissing,
  };
}

/** A RunInputError unless `cache` has clips in each of `splits`. */
function requireSplits(cache: CacheInfo, dir: string, splits: readonly string[]): void {
  const missing = splits.filter((split) => !cache.splits[split]);
  if (missing.length === 0) return;
  const held = Object.entries(cache.splits)
    .map(([split, n]) => `${split} ${n}`)
    .join(', ');
  throw new RunInputError(
    `${dir} has no ${missing.map((s) => `"${s}"`).join(' or ')} clips (it holds ${held}): ` +
      'actlab extract DATASET --out CACHE splits a plain folder by class (--val and --test set the shares); ' +
      'if it warned that the dataset cannot be split, fix what the warning names and extract again',
  );
}

/** Builds the recipe's model for the cache's clips; a RunInputError when the builder rejects them. */
/** The settings a run may change from its recipe's, checked. */
function runSettings(
  chosen: Recipe,
  options: TrainRunOptions,
): { freeze: boolean; modelWidth: number; batchSize: number; optimizer: Recipe['optimizer'] } {
  const freeze = options.freeze ?? false;
  if (freeze && !options.from) throw new RunInputError('freeze needs from: a run whose model to start from');
  const modelWidth = positiveSetting('modelWidth', options.modelWidth) ?? 1;
  if (options.from && modelWidth !== 1) {
    throw new RunInputError("modelWidth goes with a fresh model, not with from: the started run's model has its width");
  }
  const batchSize = positiveSetting('batchSize', options.batchSize) ?? chosen.batchSize;
  if (!Number.isInteger(batchSize)) throw new RunInputError(`batchSize must be a whole number, got ${batchSize}`);
  const learningRate = positiveSetting('learningRate', options.learningRate) ?? chosen.optimizer.learningRate;
  return { freeze, modelWidth, batchSize, optimizer: { ...chosen.optimizer, learningRate } };
}

/** `c3d: 97,098 parameters, 97,098 trainable`: how much of the model trains (a frozen backbone: the head alone). */
function parameterLine(chosen: Recipe, model: tf.LayersModel, freeze: boolean): string {
  const trainable = model.trainableWeights.reduce((sum, w) => sum + w.read().size, 0);
  return (
    `${chosen.model}: ${model.countParams().toLocaleString('en')} parameters, ${trainable.toLocaleString('en')} ` +
    `trainable${freeze ? ' (the backbone is frozen: only the new head trains)' : ''}`
  );
}

/** The backend training runs on and actlab's kernel packs on it. */
function backendLabel(): string {
  const name = tf.getBackend();
  const packs = appliedKernelPacks(name);
  return packs.length > 0 ? `${name} (${packs.join(', ')})` : name;
}

/** A positive number setting, or undefined when not given; a RunInputError otherwise. */
function positiveSetting(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!(Number.isFinite(value) && value > 0))
    throw new RunInputError(`${name} must be a positive number, got ${value}`);
  return value;
}

function buildFor(chosen: Recipe, cache: CacheInfo, dir: string, seed: number, widthScale = 1): tf.LayersModel {
  try {
    return chosen.build({ clipShape: cache.shape, numClasses: cache.classes.length, seed, widthScale });
  } catch (error) {
    throw new RunInputError(
      `model ${chosen.model} cannot take the ${describeClips(cache)} clips of ${dir}: ${(error as Error).message}`,
    );
  }
}

/** A run's model under a new head for `cache`'s classes, and the normalisation it was trained with. */
async function startFrom(
  from: string,
  cache: CacheInfo,
  seed: number,
  freeze: boolean,
): Promise<{ model: tf.LayersModel; normalization: NormalizationLike; from: string }> {
  const run = path.resolve(from);
  const history = readJson<RunHistory>(runFile(run, 'history.json'));
  if (!history.normalization) {
    throw new RunInputError(`${run}/history.json records no normalization: train that run again with actlab train`);
  }
  const base = await tf.loadLayersModel(fileIO(runFile(run, path.join('model', 'model.json'))));
  try {
    const model = withNewHead(base, { numClasses: cache.classes.length, freezeBackbone: freeze, seed });
    return { model, normalization: normalizationOf(history.normalization), from: run };
  } finally {
    base.dispose();
  }
}

/** Mean and std as plain JSON numbers (what history.json stores). */
function normalizationOf(stats: NormalizationLike): NormalizationLike {
  return { mean: stats.mean, std: stats.std };
}

/**
 * Trains the recipe's model on the cache's train split, validating on val
 * every epoch, normalised with the train split's channel stats; checkpoints
 * into `out`, saves the last epoch's model to `out/model`, writes
 * `out/run.json`, then evaluates on the test split.
 */
export async function trainRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const out = path.resolve(options.out);
  const existed = fs.existsSync(out);
  // One writer from the first checkpoint to the last score: another process gets a clear refusal.
  const unlock = lockRunFolder(out);
  try {
    return await trainRunLocked(options);
  } finally {
    unlock();
    if (!existed && fs.readdirSync(out).length === 0) fs.rmdirSync(out); // refused before writing anything
  }
}

async function trainRunLocked(options: TrainRunOptions): Promise<TrainRunResult> {
  const chosen = runRecipe(options.model);
  const cache = readCacheInfo(options.data);
  requireSplits(cache, options.data, ['train', 'val', 'test']);
  const seed = options.seed ?? 1;
  const epochs = options.epochs ?? chosen.epochs;
  const out = path.resolve(options.out);
  const { freeze, modelWidth, batchSize, optimizer } = runSettings(chosen, options);
  const start = options.from ? await startFrom(options.from, cache, seed, freeze) : undefined;
  const model = start?.model ?? buildFor(chosen, cache, options.data, seed, modelWidth);
  options.log?.(parameterLine(chosen, model, freeze));
  // Pipelines start worker threads: close every one opened, or the process never exits.
  const pipelines: ClipPipeline[] = [];
  const open = (clipOptions: ClipPipelineOptions): ClipPipeline => {
    const pipeline = createClipPipeline(cache.dir, clipOptions);
    pipelines.push(pipeline);
    return pipeline;
  };
  try {
    const normalization =
      start?.normalization ?? normalizationOf(await computeChannelStats(cache.dir, { split: 'train' }));
    const common = { layout: chosen.layout, batchSize, normalize: normalization } as const;
    const augmentMode = options.augment ?? 'default';
    if ((augmentMode === 'default' || augmentMode === 'strong') && cache.masksMissing) {
      // Training on without them would quietly drop the scene paste the default promises.
      throw new RunInputError(
        `${options.data}: its dataset ships person masks, but the cache has no complete masks/ and scenes/ ` +
          '(a sharded extract or a merge leaves them out): run "actlab extract DATASET --out CACHE" once more ' +
          'without --shard to add them (the clips are kept), or pass augment "plain" (--augment plain) to train without the scene paste',
      );
    }
    const augment = recipeAugmentation(chosen, augmentMode, cache.masked);
    const trainClips = open({ ...common, split: 'train', seed, augment });
    const valClips = open({ ...common, split: 'val' });
    trainClips.checkModel(model);
    const planted = (clips: ClipPipeline) =>
      options.plant ? plantBug(clips.toTfDataset(), options.plant, { normalization }) : clips.toTfDataset();
    const result = await train(model, planted(trainClips), {
      epochs,
      validationData: planted(valClips),
      optimizer,
      schedule: chosen.schedule,
      runDir: out,
      resume: options.resume ?? 'auto',
      // A started model has learned weights: its new head took the seed, the batches still do.
      seed: start ? undefined : seed,
      ...(start ? { origin: { from: start.from, freeze, headSeed: seed } } : {}),
      labels: trainClips.classes,
      normalization,
      augmentation: { mode: augmentMode, options: augment, ...(options.plant ? { plant: options.plant } : {}) },
      progress: options.progress,
      log: options.log,
      signal: options.signal,
    });
    const last = result.history[result.history.length - 1];
    const valTop1 = result.history.flatMap((epoch) => epoch.val_acc ?? []);
    const summary = {
      run: out,
      epochs: result.history.length,
      bestValTop1: valTop1.length > 0 ? Math.max(...valTop1) : NaN,
      samplesPerSecond: last?.samplesPerSecond ?? NaN,
      aborted: result.aborted,
    };
    if (result.aborted) return summary;
    await model.save(fileIO(path.join(out, 'model')));
    writeRunRecord(
      out,
      {
        model: chosen.model,
        data: cache.dir,
        seed,
        epochs,
        batchSize,
        learningRate: optimizer.learningRate,
        modelWidth,
        backend: backendLabel(),
        augment: augmentMode,
        scenePaste: augment === false ? 0 : (augment.scenePaste ?? 0),
        ...(start ? { from: start.from, freeze } : {}),
        ...(options.plant ? { plant: options.plant } : {}),
      },
      cache,
    );
    const test = await evaluateOnCache(model, chosen, cache.dir, 'test', normalization);
    recordScore(out, 'test', test.report.clip);
    const swapped = cache.splits.swapped
      ? await evaluateOnCache(model, chosen, cache.dir, 'swapped', normalization)
      : undefined;
    if (swapped) recordScore(out, 'swapped', swapped.report.clip);
    return { ...summary, test, ...(swapped ? { swapped } : {}) };
  } finally {
    model.dispose();
    await Promise.all(pipelines.map((pipeline) => pipeline.close()));
  }
}

/** What {@link recordRun} is told; the clip format and batch size come from the cache and the recipe. */
export type RunRecordFields = Omit<RunRecord, keyof ClipFormat | 'batchSize' | 'augment'> & {
  readonly augment: AugmentMode;
  /** @default the recipe's */
  readonly batchSize?: number;
};

/**
 * Writes `RUN/run.json`, what `actlab eval RUN`, `actlab doctor RUN`,
 * `evaluateRun` and `diagnoseTrainedRun` read to rebuild the run's input.
 * `trainRun` writes it; a chapter that trains a recipe with `train.train`
 * calls it after saving the model, so the command line can check that run too.
 */
export function recordRun(run: string, fields: RunRecordFields): RunRecord {
  runFile(run, path.join('model', 'model.json'));
  return writeRunRecord(run, fields, readCacheInfo(fields.data));
}

/** run.json from `fields` and the cache they name, already read. */
function writeRunRecord(run: string, fields: RunRecordFields, cache: CacheInfo): RunRecord {
  const record: RunRecord = {
    ...fields,
    data: cache.dir,
    frames: cache.frames,
    width: cache.width,
    height: cache.height,
    pixelFormat: cache.pixelFormat,
    batchSize: fields.batchSize ?? runRecipe(fields.model).batchSize,
  };
  writeFileAtomic(path.join(run, 'run.json'), JSON.stringify(record, null, 1));
  return record;
}

/**
 * Evaluates `model` on `split` of the cache: each sample on its own and, for
 * a frame model, whole clips with their frame probabilities averaged.
 */
async function evaluateOnCache(
  model: tf.LayersModel,
  chosen: Recipe,
  dir: string,
  split: SplitSelection,
  normalization: NormalizationLike,
): Promise<RunEvaluation> {
  const read = async (layout: 'clip' | 'frame'): Promise<EvaluationReport> => {
    const clips = createClipPipeline(dir, { split, layout, batchSize: chosen.batchSize, normalize: normalization });
    try {
      return await evaluate(model, clips.toTfDataset(), { classNames: clips.classes });
    } finally {
      await clips.close();
    }
  };
  const report = await read(chosen.layout);
  // A frame model given clips averages its frame probabilities per clip (eval.predictDataset).
  const videoTop1 = chosen.layout === 'frame' ? (await read('clip')).clip.top1 : report.clip.top1;
  return { report, videoTop1 };
}

export interface EvaluateRunOptions {
  /** A cache made with the run's frames, size, pixel format and classes. @default the cache the run trained on */
  readonly data?: string;
  /** @default 'test' */
  readonly split?: Split;
}

/** The path of `name` in the run folder; a RunInputError saying how to make the run when it is missing. */
function runFile(run: string, name: string): string {
  const file = path.join(run, name);
  if (!fs.existsSync(file)) {
    throw new RunInputError(
      `${run} has no trained model (no ${name}): run "actlab train --model MODEL --data CACHE --out ${run}" first`,
    );
  }
  return file;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** The run.json of a trained run; a RunInputError saying how to train one when `run` has no model. */
export function readRunRecord(run: string): RunRecord {
  runFile(run, path.join('model', 'model.json'));
  return readJson<RunRecord>(runFile(run, 'run.json'));
}

/** What an evaluation of a run reads, checked against each other. */
export interface RunInput {
  readonly record: RunRecord;
  readonly cache: CacheInfo;
  readonly split: Split;
  readonly normalization: NormalizationLike;
}

/**
 * Checks, reading only JSON, that `run` holds a trained model and that the
 * cache to evaluate on has its clip format, classes and the split; a
 * RunInputError naming the mismatch and the fix otherwise.
 */
export function checkRunInput(run: string, options: EvaluateRunOptions = {}): RunInput {
  const record = readRunRecord(run);
  const history = readJson<RunHistory>(runFile(run, 'history.json'));
  const dir = options.data ?? record.data;
  const cache = readCacheInfo(dir);
  const split = options.split ?? 'test';
  if (describeClips(cache) !== describeClips(record)) {
    throw new RunInputError(
      `${dir} has ${describeClips(cache)} clips but the run was trained on ${describeClips(record)}; ` +
        `extract it with ${extractFlags(record)}`,
    );
  }
  const classes = history.labels ?? [];
  if (cache.classes.join('\n') !== classes.join('\n')) {
    throw new RunInputError(
      `${dir} has classes [${cache.classes.join(', ')}] but the run was trained on [${classes.join(', ')}]; ` +
        `evaluate on a cache of the same classes`,
    );
  }
  requireSplits(cache, dir, [split]);
  if (!history.normalization) {
    throw new RunInputError(`${run}/history.json records no normalization: train the run again with "actlab train"`);
  }
  return { record, cache, split, normalization: history.normalization };
}

/**
 * Evaluates the model saved in `run` on a split of its cache (or of
 * `options.data`, which must hold the same clip format and classes),
 * normalised with the run's stored statistics.
 */
export async function evaluateRun(run: string, options: EvaluateRunOptions = {}): Promise<RunEvaluation> {
  const { record, cache, split, normalization } = checkRunInput(run, options);
  const model = await tf.loadLayersModel(fileIO(path.join(run, 'model')));
  try {
    const result = await evaluateOnCache(model, runRecipe(record.model), cache.dir, split, normalization);
    // Scores on the run's own cache are what `actlab runs` compares; another cache's are not recorded.
    if (path.resolve(cache.dir) === path.resolve(record.data)) recordScore(run, split, result.report.clip);
    return result;
  } finally {
    model.dispose();
  }
}

export interface DiagnoseRunOptions {
  /** A recipe name (`RECIPE_MODELS`). */
  readonly model: string;
  /** A frame cache with a train split. */
  readonly data: string;
  /** Seeds the model's weights and the batches. @default 1 */
  readonly seed?: number;
  /** Adam steps of the overfit-one-batch check: fewer are quicker, but a slow learner may then fail it. @default 80 */
  readonly overfitSteps?: number;
  /** Called with each check's result as it is ready. */
  readonly onCheck?: (result: CheckResult) => void;
  /** A bug to plant in the batches first (chapter 10 shows each one caught). */
  readonly bug?: PlantedBug;
  /** Options for `doctor.diagnose` that replace the defaults here (`checks`, `learningRate`, `classNames`, `groups`…). */
  readonly doctor?: DiagnoseOptions;
}

/**
 * Runs the doctor's {@link HEALTHY_CHECKS} (or `options.doctor.checks`) on a
 * fresh recipe model and the cache's train split, normalised, without
 * augmentation, with `options.bug` planted when given (chapter 10).
 */
export async function diagnoseRun(options: DiagnoseRunOptions): Promise<Diagnosis> {
  const chosen = runRecipe(options.model);
  const cache = readCacheInfo(options.data);
  requireSplits(cache, options.data, ['train']);
  const seed = options.seed ?? 1;
  const model = buildFor(chosen, cache, options.data, seed);
  let clips: ClipPipeline | undefined;
  try {
    const stats = await computeChannelStats(cache.dir, { split: 'train' });
    clips = createClipPipeline(cache.dir, {
      split: 'train',
      layout: chosen.layout,
      batchSize: chosen.batchSize,
      seed,
      augment: false,
      normalize: normalizationOf(stats),
    });
    clips.checkModel(model);
    const normalization = normalizationOf(stats);
    const batches = options.bug
      ? plantBug(clips.toTfDataset(), options.bug, { normalization: normalization })
      : clips.toTfDataset();
    return await diagnose(model, batches, {
      checks: HEALTHY_CHECKS,
      // The control trains at the recipe's rate: the budget in which this model learns.
      controlLearningRate: chosen.optimizer.learningRate,
      overfitSteps: options.overfitSteps ?? 80,
      seed,
      onCheck: options.onCheck,
      ...options.doctor,
    });
  } finally {
    model.dispose();
    await clips?.close();
  }
}
