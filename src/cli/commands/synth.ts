import {
  BUNDLED_SYNTH,
  generateSyntheticDataset,
  MOTION_NAMES,
  PEOPLE_SYNTH,
  type SynthOptions,
  synthFolderState,
} from '../../lib/synth';
import { type Command, parseFlags, UsageError } from '../command';
import { createProgressBar } from '../progress-bar';
import { INTERRUPTED_EXIT, interruptible } from './extract';
import { parseSize, positiveIntFlag } from './flags';

export const synthCommand: Command = {
  name: 'synth',
  usage:
    'synth --out DIR [--set people|shapes] [--scene-correlation P] [--classes a,b,..] [--per-class N] [--actors N] ' +
    '[--frames F] [--size WxH] [--seed S] [--replace] [--json]',
  summary:
    'render a synthetic action dataset to DIR/<class>/*.mp4 + manifest.json: --set people (default; 8 actions x 84 actors ' +
    'at 64x64 RGB in scenes, 95% in their own scene, splits train/val/test/swapped, with person masks and empty scenes) ' +
    'or --set shapes (8 motions of coloured shapes x 72 clips, 72 actors, 32x32, no frame tells the class)',
  help: [
    '--out DIR           a new or empty folder, or one holding an earlier render (resumes; --replace renders anew)',
    '--set NAME          people (default): people performing 8 actions in scenes, 16 frames of 64x64 RGB, splits',
    '                    train/val/test/swapped, person masks and empty scenes; shapes: 8 motions of coloured',
    '                    shapes at 32x32 gray, no frame tells the class',
    "--scene-correlation P   people: the share of train/val/test clips filmed in their action's own scene (0.95)",
    '--classes a,b       a subset of the actions; --per-class N, --actors N: how many clips and actors',
    '--frames F, --size WxH, --seed S   clip length, frame size and the seed of every random choice',
    '--json              one JSON line',
    'Example: actlab synth --out data/people --scene-correlation 0.5',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        out: { type: 'string' },
        set: { type: 'string' },
        'scene-correlation': { type: 'string' },
        classes: { type: 'string' },
        'per-class': { type: 'string' },
        actors: { type: 'string' },
        frames: { type: 'string' },
        size: { type: 'string' },
        seed: { type: 'string' },
        replace: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      'synth',
    );
    if (!values.out || positionals.length) throw new UsageError(`usage: actlab ${this.usage}`);
    const out = values.out;
    const size = values.size ? parseSize(values.size, '--size') : undefined;
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed))
      throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
    const set = values.set ?? 'people';
    if (set !== 'shapes' && set !== 'people') throw new UsageError(`--set must be people or shapes, got "${set}"`);
    // Shape motions or a free --per-class without --set: the command predates the people set.
    const shapesHint =
      values.set === undefined
        ? ' (actlab synth renders the people set by default; add --set shapes for the moving shapes)'
        : '';
    const shapeMotions = (values.classes?.split(',') ?? []).filter((name) => MOTION_NAMES.includes(name.trim()));
    if (set === 'people' && shapeMotions.length > 0) {
      throw new UsageError(
        `--classes ${shapeMotions.join(',')}: motions of the shapes set, not actions of the people set${shapesHint}`,
      );
    }
    const correlation = values['scene-correlation'] === undefined ? undefined : Number(values['scene-correlation']);
    if (correlation !== undefined && !(correlation >= 0 && correlation <= 1)) {
      throw new UsageError(`--scene-correlation must be a share from 0 to 1, got "${values['scene-correlation']}"`);
    }
    if (correlation !== undefined && set !== 'people') throw new UsageError('--scene-correlation needs --set people');
    // The people set films each actor once per action: --actors sets both.
    const actors = positiveIntFlag(values.actors, '--actors');
    let written = 0;
    let total = 0;
    const options: SynthOptions = {
      out,
      set,
      sceneCorrelation: correlation,
      classes: values.classes?.split(',').map((s) => s.trim()),
      perClass: positiveIntFlag(values['per-class'], '--per-class') ?? (set === 'people' ? actors : undefined),
      actors,
      frames: positiveIntFlag(values.frames, '--frames'),
      width: size?.width,
      height: size?.height,
      seed,
      replace: values.replace,
      onProgress: (done, all) => {
        [written, total] = [done, all];
        bar.update(done, all);
      },
    };
    const alreadyComplete = synthFolderState(options).kind === 'complete';
    const bar = createProgressBar('synth');
    const started = Date.now();
    // generateSyntheticDataset takes no signal: Ctrl-C stops its encoders (stopAllTools), it then rejects.
    const run = await interruptible(() => generateSyntheticDataset(options)).catch((error: Error) => {
      throw new UsageError(error.message + (set === 'people' ? shapesHint : ''), 1);
    });
    bar.finish();
    if (run.interrupted) {
      console.error(
        `actlab: interrupted; kept ${written} of ${total || 'the'} clip(s) in ${out} but no manifest.json, so the set is incomplete; ` +
          'run the same command again to finish it (the clips written are kept; same seed, same clips)',
      );
      return INTERRUPTED_EXIT;
    }
    const manifest = run.value;
    const seconds = (Date.now() - started) / 1000;
    const splits: Record<string, number> = {};
    for (const item of manifest.items) splits[item.split] = (splits[item.split] ?? 0) + 1;
    if (values.json) {
      console.log(JSON.stringify({ out, clips: manifest.items.length, classes: manifest.classes, splits, seconds }));
    } else {
      const o = manifest.options;
      console.log(
        `${alreadyComplete ? 'Already complete, nothing written:' : 'Wrote'} ${manifest.items.length} clips (${manifest.classes.length} classes, ${o.frames} frames ${o.width}x${o.height}, ` +
          `seed ${o.seed}) to ${out} in ${seconds.toFixed(1)}s; splits ${JSON.stringify(splits)}` +
          (JSON.stringify(o) === JSON.stringify(BUNDLED_SYNTH) ? ' (the bundled default set)' : '') +
          (JSON.stringify(o) === JSON.stringify(PEOPLE_SYNTH) ? ' (the bundled people set)' : ''),
      );
    }
    return 0;
  },
};
