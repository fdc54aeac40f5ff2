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
import { describeFsError } from '../../lib/util/fs-error';
import { type Command, parseFlags, UsageError } from '../command';
import { INTERRUPTED_EXIT, interruptible } from './extract';
import { positiveIntFlag, positiveNumberFlag } from './flags';

export const trainCommand: Command = {
  name: 'train',
  usage:
    `train --model ${RECIPE_MODELS.join('|')} --data CACHE --out RUN [--epochs N] [--seed S] [--lr R] [--batch B] ` +
    '[--width W] ' +
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
    "--lr R              the optimizer's base learning rate (default: the recipe's; its schedule scales it)",
    "--batch B           clips (frames, for cnn2d) per training batch (default: the recipe's)",
    "--width W           the model's width (filters per layer) as a multiple of the recipe's (default 1)",
    "--augment MODE      default: the recipe's flips and brightness/contrast, plus the person pasted onto other",
    '                    scenes where the cache has person masks; plain: without the paste; strong: default plus',
    '                    random crops, rotations and zooms and stronger brightness/contrast; none: nothing',
    "--from RUN          start from RUN's model under a new classifier (fine-tune); --freeze trains the head alone",
    '--resume | --fresh  default: resume RUN when its settings match, else start over and say so;',
    '                    --resume refuses a run with other settings (naming the setting), --fresh starts over',
    '--json              one JSON line on stdout (the progress lines go to stderr)',
    'Example: actlab train --model c3d --data cache --out runs/c3d --lr 3e-3 --epochs 10',
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
        lr: { type: 'string' },
        batch: { type: 'string' },
        width: { type: 'string' },
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
    const settings = trainSettings(values);
    const { model, out } = settings;
    // Lines for people go to stderr with --json: stdout then holds only the JSON line.
    const print = values.json ? console.error : console.log;
    const backend = await initBackend({ log: print });
    const log = (line: string): void => print(flagWords(line));
    const run = await interruptible((signal) => withRunErrors('train', () => trainRun({ ...settings, log, signal })));
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

/** train's flags as trainRun options, each checked before any work. */
function trainSettings(values: Readonly<Record<string, string | boolean | undefined>>) {
  const text = (name: string) => values[name] as string | undefined;
  const model = modelFlag('train', text('model'));
  const data = dataFlag('train', text('data'));
  const out = text('out');
  if (!out) throw new UsageError('train: --out RUN is required: the folder for checkpoints and the model');
  const modelWidth = positiveNumberFlag(text('width'), '--width');
  if (modelWidth !== undefined && values.from) {
    throw new UsageError("train: --width builds a fresh model; with --from the started run's model keeps its width");
  }
  if (values.resume && values.fresh) {
    throw new UsageError(
      'train: --resume and --fresh contradict each other; pass one, or neither to resume only a matching run',
    );
  }
  const augment = (text('augment') ?? 'default') as AugmentMode;
  if (!AUGMENT_MODES.includes(augment)) {
    throw new UsageError(
      `train: --augment must be ${AUGMENT_MODES.join(', ')}, got "${text('augment')}" (default: the recipe's, ` +
        'with the scene paste where the cache has person masks; plain: without the scene paste; strong: default plus ' +
        'crops, rotations and zooms; none: no augmentation)',
    );
  }
  if (values.freeze && !values.from) {
    throw new UsageError(
      'train: --freeze needs --from RUN: the run whose model to start from (its backbone stays fixed)',
    );
  }
  const resume: ResumeMode = values.resume ? true : values.fresh ? false : 'auto';
  return {
    model,
    data,
    out,
    epochs: positiveIntFlag(text('epochs'), '--epochs'),
    seed: positiveIntFlag(text('seed'), '--seed'),
    learningRate: positiveNumberFlag(text('lr'), '--lr'),
    batchSize: positiveIntFlag(text('batch'), '--batch'),
    modelWidth,
    resume,
    augment,
    from: text('from'),
    freeze: values.freeze === true,
  };
}

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
  const fsLine = describeFsError(error);
  if (fsLine) return new UsageError(`${command}: ${fsLine}`, 1);
  // train()'s own errors already start with "train: ".
  const message = flagWords(error.message.startsWith(`${command}: `) ? error.message : `${command}: ${error.message}`);
  return new UsageError(message, error instanceof RunInputError ? 2 : 1);
}

/** train() names its options (`resume: false`); on the command line that is `--fresh`. */
function flagWords(line: string): string {
  return line.replace(/\bresume: false\b/g, '--fresh');
}
