import { initBackend } from '../../lib/backend';
import {
  AUGMENT_MODES,
  type AugmentMode,
  RECIPE_MODELS,
  readCacheInfo,
  RunInputError,
  runRecipe,
  trainRun,
} from '../../lib/recipes';
import type { ResumeMode } from '../../lib/train';
import { type Command, parseFlags, UsageError } from '../command';
import { INTERRUPTED_EXIT, interruptible } from './extract';
import { positiveIntFlag } from './flags';

export const trainCommand: Command = {
  name: 'train',
  usage:
    `train --model ${RECIPE_MODELS.join('|')} --data CACHE --out RUN [--epochs N] [--seed S] ` +
    `[--augment ${AUGMENT_MODES.join('|')}] [--from RUN [--freeze]] [--resume|--fresh] [--json]`,
  summary:
    "train a tutorial recipe on the cache's train split (val each epoch), checkpoint into RUN, test it; " +
    "--from starts from another run's model with a new head (--freeze: train the head alone); " +
    'resumes a run with the same settings unless --fresh',
  help: [
    '--model M           the recipe: cnn2d (frames, clip score = mean of frame scores), c3d, resnext3d, r2plus1d',
    '--data CACHE        a cache written by actlab extract; the model follows its clip shape and classes',
    '--out RUN           the run folder: checkpoints, history.json, run.json, the model',
    "--epochs N          total epochs (default: the recipe's)",
    '--seed S            training seed: weights, shuffling, augmentation (default 1)',
    "--augment MODE      default: the recipe's flips and brightness/contrast, plus the person pasted onto other",
    '                    scenes where the cache has person masks; plain: without the paste; none: nothing',
    "--from RUN          start from RUN's model under a new classifier (fine-tune); --freeze trains the head alone",
    '--resume | --fresh  default: resume RUN when its settings match, else start over and say so;',
    '                    --resume refuses a run with other settings (naming the setting), --fresh starts over',
    '--json              one JSON line on stdout (the progress lines go to stderr)',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        model: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string' },
        epochs: { type: 'string' },
        seed: { type: 'string' },
        augment: { type: 'string' },
        from: { type: 'string' },
        freeze: { type: 'boolean' },
        resume: { type: 'boolean' },
        fresh: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      'train',
    );
    if (positionals.length) throw new UsageError(`usage: actlab ${this.usage}`);
    const model = modelFlag('train', values.model);
    const data = dataFlag('train', values.data);
    if (!values.out) throw new UsageError('train: --out RUN is required: the folder for checkpoints and the model');
    const epochs = positiveIntFlag(values.epochs, '--epochs');
    const seed = positiveIntFlag(values.seed, '--seed');
    if (values.resume && values.fresh) {
      throw new UsageError(
        'train: --resume and --fresh contradict each other; pass one, or neither to resume only a matching run',
      );
    }
    const resume: ResumeMode = values.resume ? true : values.fresh ? false : 'auto';
    const augment = (values.augment ?? 'default') as AugmentMode;
    if (!AUGMENT_MODES.includes(augment)) {
      throw new UsageError(
        `train: --augment must be ${AUGMENT_MODES.join(', ')}, got "${values.augment}" (default: the recipe's, ` +
          'with the scene paste where the cache has person masks; plain: without the scene paste; none: no augmentation)',
      );
    }
    if (values.freeze && !values.from) {
      throw new UsageError(
        'train: --freeze needs --from RUN: the run whose model to start from (its backbone stays fixed)',
      );
    }
    const from = values.from;
    const freeze = values.freeze;
    const out = values.out;
    // Lines for people go to stderr with --json: stdout then holds only the JSON line.
    const print = values.json ? console.error : console.log;
    const backend = await initBackend({ log: print });
    const log = (line: string): void => print(flagWords(line));
    const run = await interruptible((signal) =>
      withRunErrors('train', () =>
        trainRun({ model, data, out, epochs, seed, resume, augment, from, freeze, log, signal }),
      ),
    );
    if (run.interrupted || run.value.aborted) {
      console.error(
        `actlab: interrupted; the last completed epoch is checkpointed in ${out}: run the same command again to resume`,
      );
      return INTERRUPTED_EXIT;
    }
    const result = run.value;
    const test = result.test?.report.clip;
    // A frame model's test top-1 scores middle frames; its per-video score averages every frame of a clip.
    const perVideo = runRecipe(model).layout === 'frame' ? `, per video ${percent(result.test?.videoTop1)}` : '';
    if (values.json) {
      console.log(
        JSON.stringify({
          run: result.run,
          epochs: result.epochs,
          best_val_top1: result.bestValTop1,
          test_top1: test?.top1,
          ...(result.swapped ? { swapped_top1: result.swapped.report.clip.top1 } : {}),
          samples_per_s: result.samplesPerSecond,
          backend: backend.name,
        }),
      );
    } else {
      console.log(
        `${model}: ${result.epochs} epoch(s) in ${result.run}; best val top-1 ${percent(result.bestValTop1)}, ` +
          `test top-1 ${percent(test?.top1)} (95% CI ${percent(test?.top1Ci[0])}–${percent(test?.top1Ci[1])}, ` +
          `${test?.samples} samples)${perVideo}` +
          (result.swapped ? swappedWords(result.swapped.report.clip) : '') +
          `; ${result.samplesPerSecond.toFixed(1)} samples/s on ${backend.name}; ` +
          `"actlab eval ${out}" evaluates it again`,
      );
    }
    return 0;
  },
};

/** `, swapped scenes top-1 40.0% (95% CI 31–50%, 96 samples)`: what the scene contributed. */
function swappedWords(clip: { top1: number; top1Ci: readonly [number, number]; samples: number }): string {
  return (
    `, swapped scenes top-1 ${percent(clip.top1)} (95% CI ${percent(clip.top1Ci[0])}–${percent(clip.top1Ci[1])}, ` +
    `${clip.samples} samples)`
  );
}

/** `0.5` → `50.0%`; `–` when missing. */
export function percent(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(1)}%`;
}

/** `--model`: one of the recipes, checked before any work. */
export function modelFlag(command: string, text: string | undefined): string {
  if (text === undefined)
    throw new UsageError(`${command}: --model is required; choose one of ${RECIPE_MODELS.join(', ')}`);
  return withRunErrorsSync(command, () => runRecipe(text)).model;
}

/** `--data`: a frame cache, checked (index only) before any work. */
export function dataFlag(command: string, text: string | undefined): string {
  if (text === undefined) {
    throw new UsageError(
      `${command}: --data CACHE is required: a frame cache made with "actlab extract DATASET --out CACHE"`,
    );
  }
  withRunErrorsSync(command, () => readCacheInfo(text));
  return text;
}

/** Runs `work`; bad input becomes a usage error (exit 2), any other failure one line and exit 1. */
export async function withRunErrors<T>(command: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toUsageError(command, error);
  }
}

export function withRunErrorsSync<T>(command: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw toUsageError(command, error);
  }
}

/** RunInputErrors are usage errors (exit 2); other errors print their message alone (exit 1). */
function toUsageError(command: string, error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  // train()'s own errors already start with "train: ".
  const message = flagWords(error.message.startsWith(`${command}: `) ? error.message : `${command}: ${error.message}`);
  return new UsageError(message, error instanceof RunInputError ? 2 : 1);
}

/** train() names its options (`resume: false`); on the command line that is `--fresh`. */
function flagWords(line: string): string {
  return line.replace(/\bresume: false\b/g, '--fresh');
}
