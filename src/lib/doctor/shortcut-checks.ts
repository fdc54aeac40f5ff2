/**
 * "It learned the wrong thing": checks on a *trained* model that score it on
 * an evaluation split twice, intact and altered (frames shuffled, one frame
 * repeated, the person hidden), and read the difference (shortcut-verdicts.ts
 * holds the rules). A model that keeps its accuracy when the person is hidden
 * recognises the scene, not the action.
 *
 * ```
 * source ─split─▶ intact clips ──────────────▶ pipeline ─▶ model ─▶ intact accuracy ─┐
 *        └──────▶ altered clips (uint8, per  ─▶ pipeline ─▶ model ─▶ altered accuracy ┴▶ verdict
 *                 clip, seeded) [+ masks]
 * ```
 */
import type * as tf from '@tensorflow/tfjs';

import { argMax } from '../eval/metrics';
import { predictDataset } from '../eval/predict';
import { createClipPipeline } from '../pipeline/clip-pipeline';
import { checkInputShape } from '../pipeline/shape-check';
import type { ClipSource, SplitSelection } from '../pipeline/source';
import type { NormalizationLike } from '../pipeline/types';
import { chance as chanceText } from './check';
import {
  framePermutation,
  hidePerson,
  middleFrameOrder,
  occludeCentre,
  reorderFrames,
  reversedOrder,
} from './clip-alterations';
import { type PlantedBug, plantBug } from './planted';
import {
  judge,
  type Score,
  scoreOf,
  SHORTCUT_CHECK_IDS,
  type ShortcutCheckId,
  type ShortcutCheckResult,
  type VerdictContext,
} from './shortcut-verdicts';

export interface ShortcutOptions {
  /** The clips, `[T,H,W,C]` uint8 (`cacheSource(dir)`); the caller closes it. */
  readonly source: ClipSource;
  /** The evaluation split (clips the model never trained on). */
  readonly split: SplitSelection;
  /** The normalisation the model was trained with (a run's `history.normalization`). */
  readonly normalization: NormalizationLike;
  /**
   * Person masks aligned with `source`: entry i is the mask of clip i, `[T,H,W,1]`
   * uint8, 255 = person. Without them the background check covers the centre
   * of each frame instead, and says so. @default none
   */
  readonly masks?: ClipSource;
  /** Clips per batch. @default 16 */
  readonly batchSize?: number;
  /** Seeds the frame shuffle (per clip, so the batch order cannot change it). @default 0 */
  readonly seed?: number;
  /** How the order check breaks the frame order. @default 'shuffle' */
  readonly order?: 'shuffle' | 'reverse';
  /** Run only these checks (always in `SHORTCUT_CHECK_IDS` order). @default all */
  readonly checks?: readonly ShortcutCheckId[];
  /** A bug to plant on every batch, intact and altered alike (the bug is in the data, not the alteration). @default none */
  readonly plant?: PlantedBug;
  /** Called with each result as it is ready. @default none */
  readonly onCheck?: (result: ShortcutCheckResult) => void;
  /** Stops before the next batch; in a notebook Kernel > Interrupt does the same. @default none */
  readonly signal?: AbortSignal;
}

/**
 * Scores `model` (clip model `[B,T,H,W,C]`, or frame model `[B,H,W,C]`
 * whose frame probabilities are averaged per clip) on `options.split` of
 * `options.source`, intact once, then altered for each check:
 *
 * - `order`: each clip's frames shuffled (a seeded permutation per clip) or
 *   reversed. Clip model: WARN when it scores as well as intact (it does not
 *   use motion), else PASS. Frame model: INFO, order cannot matter to it.
 * - `one-frame`: the middle frame repeated T times. Clip model: FAIL when it
 *   scores as well as intact (the class is read from one frame: appearance or
 *   scene), WARN when it keeps most of it (retained ≥ 0.5, still beating
 *   chance), else PASS. Frame model: INFO, one frame is what it reads.
 * - `background`: the person hidden (`hidePerson` with `masks`, else a
 *   box of the training mean colour over the middle half of each frame).
 *   FAIL when it still beats twice chance, or keeps most of its accuracy
 *   (retained ≥ 0.5) while beating chance: it uses the background. WARN when
 *   it still beats chance, PASS when it falls to chance.
 *
 * Every tensor is disposed (the pipelines make and `predictDataset` frees
 * them); the model is only read.
 */
export async function checkShortcuts(model: tf.LayersModel, options: ShortcutOptions): Promise<ShortcutCheckResult[]> {
  const wanted = wantedChecks(options.checks);
  const { source, masks } = options;
  if (masks) checkMasks(source, masks);
  const frameModel = model.inputs[0]?.shape.length === 4;
  const seed = options.seed ?? 0;
  const ctx: VerdictContext = {
    chance: 1 / source.classes.length,
    chanceText: chanceText(source.classes.length),
    frameModel,
  };
  const intact = await scoreOn(model, wrapSource(source, 'intact'), options, frameModel);
  const results: ShortcutCheckResult[] = [];
  for (const id of SHORTCUT_CHECK_IDS.filter((check) => wanted.has(check))) {
    const plan = alteration(id, options, seed);
    const altered = await scoreOn(model, wrapSource(source, plan.name, plan.alter), options, frameModel);
    const result = judge(id, plan, intact, altered, ctx);
    results.push(result);
    options.onCheck?.(result);
  }
  return results;
}

/** One alteration: its name in verdicts and details, and the uint8 clip transform. */
interface Alteration {
  readonly name: string;
  /** The alteration in a verdict: "intact … vs {label} …". */
  readonly label: string;
  readonly alter: (clip: Uint8Array, i: number, signal?: AbortSignal) => Promise<Uint8Array> | Uint8Array;
}

function alteration(id: ShortcutCheckId, options: ShortcutOptions, seed: number): Alteration {
  const shape = options.source.shape;
  const frames = shape[0];
  switch (id) {
    case 'order':
      return options.order === 'reverse'
        ? {
            name: 'reversed',
            label: 'frames reversed',
            alter: (clip) => reorderFrames(clip, shape, reversedOrder(frames)),
          }
        : {
            name: 'shuffled',
            label: 'frames shuffled',
            alter: (clip, i) => reorderFrames(clip, shape, framePermutation(frames, seed, i)),
          };
    case 'one-frame':
      return {
        name: 'middle-frame',
        label: 'middle frame repeated',
        alter: (clip) => reorderFrames(clip, shape, middleFrameOrder(frames)),
      };
    case 'background': {
      const masks = options.masks;
      if (masks) {
        return {
          name: 'person-masks',
          label: 'person hidden',
          alter: async (clip, i, signal) => hidePerson(clip, await masks.read(i, signal), shape),
        };
      }
      // The training mean: what the model sees as "nothing" (0 after normalising).
      const mean = options.normalization.mean;
      const colour = Array.from({ length: shape[3] }, (_, c) => {
        const m = typeof mean === 'number' ? mean : (mean[c] ?? 0.5);
        return Math.min(255, Math.max(0, Math.round(m * 255)));
      });
      return { name: 'centre-box', label: 'centre covered', alter: (clip) => occludeCentre(clip, shape, colour) };
    }
  }
}

/**
 * `source` read through `alter`. `cacheDir` is left unset so the pipeline
 * reads on the main thread through `read`, and `close` does nothing: the
 * caller owns `source`, and each check's pipeline closes its wrapper.
 */
function wrapSource(source: ClipSource, name: string, alter?: Alteration['alter']): ClipSource {
  return {
    description: `${source.description} (${name})`,
    kind: source.kind,
    classes: source.classes,
    shape: source.shape,
    entries: source.entries,
    read: async (i, signal) => {
      const clip = await source.read(i, signal);
      return alter ? alter(clip, i, signal) : clip;
    },
    suggestedConcurrency: source.suggestedConcurrency,
    close: async () => undefined,
  };
}

/** Top-1 of `model` on the split of `source`, clip by clip (a frame model averages its frames). */
async function scoreOn(
  model: tf.LayersModel,
  source: ClipSource,
  options: ShortcutOptions,
  frameModel: boolean,
): Promise<Score> {
  const pipeline = createClipPipeline(source, {
    split: options.split,
    layout: 'clip',
    batchSize: options.batchSize ?? 16,
    normalize: options.normalization,
    shuffle: false,
    augment: false,
    workers: 0,
    signal: options.signal,
  });
  try {
    const numClasses = source.classes.length;
    if (frameModel) checkInputShape(model, pipeline.sampleShape.slice(1), { numClasses });
    else pipeline.checkModel(model);
    const batches = options.plant
      ? plantBug(pipeline.toTfDataset(), options.plant, { normalization: options.normalization, seed: options.seed })
      : pipeline.toTfDataset();
    const { probs, labels } = await predictDataset(model, batches, { signal: options.signal });
    const correct = probs.filter((p, i) => argMax(p) === labels[i]).length;
    return scoreOf(correct, labels.length);
  } finally {
    await pipeline.close();
  }
}

function wantedChecks(checks: readonly ShortcutCheckId[] | undefined): Set<ShortcutCheckId> {
  const unknown = (checks ?? []).filter((id) => !(SHORTCUT_CHECK_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new Error(
      `checkShortcuts: unknown check(s) ${unknown.join(', ')}; choose from ${SHORTCUT_CHECK_IDS.join(', ')}`,
    );
  }
  return new Set(checks ?? SHORTCUT_CHECK_IDS);
}

/** Throws unless `masks` holds one `[T,H,W,1]` mask per clip of `source`. */
function checkMasks(source: ClipSource, masks: ClipSource): void {
  const [frames, height, width] = source.shape;
  const expected = [frames, height, width, 1];
  if (masks.entries.length !== source.entries.length || masks.shape.join() !== expected.join()) {
    throw new Error(
      `checkShortcuts: masks hold ${masks.entries.length} clips of [${masks.shape}] but ${source.description} holds ` +
        `${source.entries.length} of [${source.shape}]: pass one [${expected}] mask per clip, in the clips' order ` +
        '(openMaskSource(cacheDir) for a cache)',
    );
  }
}
