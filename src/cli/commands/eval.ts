import { initBackend } from '../../lib/backend';
import { ALL_SPLITS, type Split } from '../../lib/data';
import { reportText } from '../../lib/eval';
import { checkRunInput, evaluateRun, runRecipe } from '../../lib/recipes';
import { type Command, parseFlags, UsageError } from '../command';
import { percent, withRunErrors, withRunErrorsSync } from './train';

export const evalCommand: Command = {
  name: 'eval',
  usage: 'eval RUN [--data CACHE] [--split train|val|test|swapped] [--json]',
  summary:
    "evaluate a trained run on its cache's test split (or another cache of the same clips): " +
    'top-1 with its 95% CI, top-5, per class, confusion',
  help: [
    'RUN                 a run folder written by actlab train (or a chapter)',
    '--data CACHE        score it on another cache of the same clip shape and classes (default: its own)',
    '--split NAME        train, val, test (default) or swapped',
    '--json              one JSON line: top-1 with its 95% interval, top-5, per class, confusion',
    'Example: actlab eval runs/c3d --split swapped --json',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      { data: { type: 'string' }, split: { type: 'string' }, json: { type: 'boolean' } },
      'eval',
    );
    if (positionals.length !== 1) throw new UsageError(`usage: actlab ${this.usage}`);
    const run = positionals[0] as string;
    const split = values.split ?? 'test';
    if (!(ALL_SPLITS as readonly string[]).includes(split)) {
      throw new UsageError(`eval: --split must be one of ${ALL_SPLITS.join(', ')}, got "${split}"`);
    }
    const options = { data: values.data, split: split as Split };
    // The run, the cache and their match are checked from their JSON files before the backend starts.
    const input = withRunErrorsSync('eval', () => checkRunInput(run, options));
    await initBackend({ log: values.json ? console.error : console.log });
    const { report, videoTop1 } = await withRunErrors('eval', () => evaluateRun(run, options));
    const samples = report.clip;
    if (values.json) {
      console.log(
        JSON.stringify({
          top1: samples.top1,
          top1_ci: samples.top1Ci,
          top5: samples.topK,
          video_top1: videoTop1,
          per_class: Object.fromEntries(
            report.classNames.map((name, c) => {
              const { precision, recall, f1, support } = samples.metrics.perClass[c]!;
              return [name, { precision, recall, f1, support }];
            }),
          ),
          confusion: samples.confusion,
          classes: report.classNames,
          n: samples.samples,
        }),
      );
    } else {
      console.log(reportText(report));
      if (runRecipe(input.record.model).layout === 'frame') {
        console.log(`video level: top-1 ${percent(videoTop1)} (the frame probabilities of each clip averaged)`);
      }
    }
    return 0;
  },
};
