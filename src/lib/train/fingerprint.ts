/**
 * What a run was asked to do: the record a checkpoint stores (checkpoint.ts)
 * and a new call compares (resume.ts). Its own file, so that neither of the
 * two imports the other for it.
 */
import type { NormalizationLike } from '../pipeline/types';
import type { OptimizerSpec } from './optimizers';
import type { MonitorOptions, PlateauOptions } from './schedule';

/**
 * What a run was asked to do, stored with every checkpoint. All fields but
 * `epochs` must match for a run to resume: the epochs target may grow.
 */
export interface RunFingerprint {
  /** Each model input without the batch axis, e.g. [[16,32,32,1]]. */
  readonly inputShape: ReadonlyArray<ReadonlyArray<number | null>>;
  /** The model's config (`describeModel` in resume.ts): layers and their options, no weights, no names. */
  readonly model: unknown;
  /** The layer names the model config's `#0`, `#1`, … stand for (not compared: only for messages). */
  readonly layerNames: readonly string[];
  /** The first batch's xs shape [B,...] (batch size and clip shape). */
  readonly xsShape: readonly number[];
  /** The first batch's ys shape: [B,numClasses] one-hot or [B] sparse. */
  readonly ysShape: readonly number[];
  /** Batches per epoch when known before training (always known once an epoch is done). */
  readonly batchesPerEpoch?: number;
  readonly labels?: readonly string[];
  readonly normalization?: NormalizationLike;
  readonly optimizer: OptimizerSpec;
  /** The schedule's label (`timeDecay(0.001)`), or a custom function's source. */
  readonly schedule: string;
  readonly reduceOnPlateau: PlateauOptions | false;
  readonly earlyStopping: MonitorOptions | false;
  readonly classWeight?: Readonly<Record<number, number>>;
  readonly seed?: number;
  /** The training data's augmentation, as train()'s caller described it; absent when none was given. */
  readonly augmentation?: unknown;
  /** Where the initial weights came from, as train()'s caller described it; absent when none was given. */
  readonly origin?: unknown;
  /** The epochs target of the call that wrote the checkpoint (informational: it may grow). */
  readonly epochs: number;
}
