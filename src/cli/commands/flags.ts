/** Flag parsers shared by the data commands; bad values become UsageErrors that show the value. */
import { planSplits, type PlanSplitsOptions, UnsplittableError, type VideoDataset } from '../../lib/data';
import { UsageError } from '../command';

/** `32x32` → { width: 32, height: 32 }. */
export function parseSize(text: string, flag: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/i.exec(text.trim());
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || !(width > 0) || !(height > 0))
    throw new UsageError(`${flag} must look like 32x32 (WIDTHxHEIGHT), got "${text}"`);
  return { width, height };
}

export function positiveIntFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a whole number >= 1, got "${text}"`);
  return value;
}

export function positiveNumberFlag(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0)) throw new UsageError(`${flag} must be a positive number, got "${text}"`);
  return value;
}

/** The flags that split a plain folder (no split lists), shared by extract and eda. */
export const SPLIT_FLAGS = {
  val: { type: 'string' },
  test: { type: 'string' },
  'group-by': { type: 'string' },
  'split-seed': { type: 'string' },
} as const;

export const SPLIT_HELP = [
  '--val F, --test F   a folder without split lists is split by class: these shares go to val and test',
  '                    (default 0.15 each; 0 leaves that split out), the rest to train',
  "--group-by REGEX    the group in a file name (its first capture group): one group's files stay in one",
  "                    split (default: UCF101's _gNN_ where every name has one, else file by file)",
  '--split-seed S      seed of that split (default 0)',
  '                    A folder that cannot be split (one class, a class with too few items) is a warning',
  '                    naming the fix: its clips still extract, without a split, which actlab train refuses',
].join('\n');

/** {@link SPLIT_FLAGS} as planSplits options. */
export function splitPlanFlags(values: {
  readonly val?: string;
  readonly test?: string;
  readonly 'group-by'?: string;
  readonly 'split-seed'?: string;
}): { val?: number; test?: number; groupBy?: string; seed?: number } {
  const share = (text: string | undefined, flag: string) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!(value >= 0 && value < 1)) throw new UsageError(`${flag} must be a share from 0 to below 1, got "${text}"`);
    return value;
  };
  const seedText = values['split-seed'];
  const seed = seedText === undefined ? undefined : Number(seedText);
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new UsageError(`--split-seed must be a whole number, got "${seedText}"`);
  }
  return {
    ...(values.val !== undefined ? { val: share(values.val, '--val') } : {}),
    ...(values.test !== undefined ? { test: share(values.test, '--test') } : {}),
    ...(values['group-by'] !== undefined ? { groupBy: values['group-by'] } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}

/**
 * The dataset split as extract and eda make it, its note printed; one that cannot be
 * split (one class, too few items) is a warning and stays unsplit: its clips still
 * extract, and `actlab train` refuses the cache, as the warning says.
 */
export function splitOrWarn(dataset: VideoDataset, options: PlanSplitsOptions, command: string): VideoDataset {
  try {
    const planned = planSplits(dataset, options);
    if (planned.note) console.error(`note: ${planned.note}`);
    return planned.dataset;
  } catch (error) {
    if (!(error instanceof UnsplittableError)) throw error;
    const consequence =
      command === 'extract' ? '; its clips are cached without a split, which actlab train refuses' : '';
    console.error(`warning: ${error.message}${consequence}`);
    return dataset;
  }
}

/** `--shard i/N`, or the array-job index from the environment with `--shard-count N` / ACTLAB_SHARD_COUNT. */
export function parseShard(
  flag: string | undefined,
  countFlag: string | undefined,
): { index: number; count: number } | undefined {
  let index: number;
  let count: number;
  if (flag !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(flag.trim());
    if (!match) throw new UsageError(`--shard must look like i/N (e.g. 0/4), got "${flag}"`);
    index = Number(match[1]);
    count = Number(match[2]);
  } else {
    const fromEnv = process.env.JOB_COMPLETION_INDEX ?? process.env.AWS_BATCH_JOB_ARRAY_INDEX;
    if (fromEnv === undefined) return undefined;
    const total = countFlag ?? process.env.ACTLAB_SHARD_COUNT;
    if (total === undefined) {
      throw new UsageError(
        'an array-job index is set (JOB_COMPLETION_INDEX/AWS_BATCH_JOB_ARRAY_INDEX): pass --shard-count N or set ACTLAB_SHARD_COUNT',
      );
    }
    index = Number(fromEnv);
    count = Number(total);
  }
  if (!(Number.isInteger(index) && Number.isInteger(count) && count >= 1 && index >= 0 && index < count)) {
    throw new UsageError(`shard ${index}/${count} is out of range: need 0 <= i < N`);
  }
  return { index, count };
}
