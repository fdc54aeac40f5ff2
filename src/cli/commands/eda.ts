import { loadDataset, type VideoDataset } from '../../lib/data';
import { describeFsError } from '../../lib/util/fs-error';
import { explore } from '../../lib/eda';
import { type Command, parseFlags, UsageError } from '../command';
import { createProgressBar } from '../progress-bar';
import { INTERRUPTED_EXIT, interruptible, splitFlag, withDatasetErrors } from './extract';
import { SPLIT_FLAGS, SPLIT_HELP, splitOrWarn, splitPlanFlags } from './flags';

export const edaCommand: Command = {
  name: 'eda',
  usage:
    'eda DATASET [--layout NAME] [--split N] [--split-dir DIR] [--val 0.15] [--test 0.15] [--group-by REGEX] ' +
    '[--grid FILE.png] [--json]',
  summary: 'probe every video: per-class counts, frames/fps/size distributions, duplicates, unreadable files',
  help: [
    'DATASET             a folder or a known layout, as for extract (--layout, --split, --split-dir)',
    SPLIT_HELP,
    '--grid FILE.png     also write a grid of one frame per class',
    '--json              one JSON line with the summary',
    'Example: actlab eda my-videos --grid frames.png',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(
      args,
      {
        layout: { type: 'string' },
        split: { type: 'string' },
        'split-dir': { type: 'string' },
        ...SPLIT_FLAGS,
        grid: { type: 'string' },
        json: { type: 'boolean' },
      },
      'eda',
    );
    if (positionals.length !== 1) throw new UsageError(`usage: actlab ${this.usage}`);
    const split = splitFlag(values.split);
    const splitOptions = splitPlanFlags(values);
    const read = withDatasetErrors(() =>
      loadDataset(positionals[0] as string, { layout: values.layout, split, splitsDir: values['split-dir'] }),
    );
    // The split extract would make, shown; one it cannot make is a warning, as in extract.
    const dataset: VideoDataset = withDatasetErrors(() => splitOrWarn(read, splitOptions, 'eda'));
    const bar = createProgressBar('probe');
    let probed = 0;
    let total = 0;
    const run = await interruptible((signal) =>
      withDatasetErrors(() =>
        explore(dataset, {
          gridFile: values.grid,
          signal,
          onProgress: (done, all) => {
            [probed, total] = [done, all];
            bar.update(done, all);
          },
        }),
      ),
    ).catch((error: Error) => {
      throw error instanceof UsageError ? error : new UsageError(describeFsError(error) ?? error.message, 1);
    });
    bar.finish();
    if (run.interrupted) {
      console.error(
        `actlab: interrupted after probing ${probed} of ${total || 'the'} item(s); eda keeps no partial results` +
          `${values.grid ? ` and wrote no ${values.grid}` : ''}: run the same command again to start over`,
      );
      return INTERRUPTED_EXIT;
    }
    const { rows, summary } = run.value;
    for (const warning of dataset.warnings) console.error(`warning: ${warning}`);
    if (values.json) {
      const items = rows.map(({ path, label, group, split, frames, fps, width, height, duration_s, codec, error }) => ({
        path,
        label,
        group,
        split,
        frames,
        fps,
        width,
        height,
        duration_s,
        codec,
        error,
      }));
      const { classes, ...rest } = summary;
      console.log(JSON.stringify({ layout: dataset.layout, root: dataset.root, summary: rest, items, classes }));
      return 0;
    }
    const s = summary;
    const range = (n: typeof s.frames): string => (n ? `${n.min}..${n.max} (median ${n.median})` : 'n/a');
    console.log(
      `${dataset.root} (${dataset.layout}): ${rows.length} items, ${Object.keys(s.classes).length} classes, ${s.groups} groups`,
    );
    for (const [name, count] of Object.entries(s.classes)) console.log(`  ${name.padEnd(24)} ${count}`);
    console.log(`splits ${JSON.stringify(s.splits)}; imbalance ratio ${s.imbalanceRatio.toFixed(2)}`);
    for (const [name, byClass] of Object.entries(s.splitClasses)) {
      const counts = Object.entries(byClass).map(([label, n]) => `${label} ${n}`);
      console.log(`  ${name.padEnd(8)} ${counts.join(', ')}`);
    }
    console.log(`frames ${range(s.frames)}; seconds ${range(s.durationSeconds)}; fps ${range(s.fps)}`);
    console.log(
      `resolutions ${JSON.stringify(s.resolutions)}; codecs ${JSON.stringify(s.codecs)}; ${(s.totalBytes / 1e6).toFixed(1)} MB`,
    );
    console.log(
      `${s.duplicates.length} duplicate set(s)${s.duplicates.length ? `, e.g. ${s.duplicates[0]?.join(' = ')}` : ''}`,
    );
    console.log(`${s.unreadable.length} unreadable file(s)`);
    for (const bad of s.unreadable) console.log(`  ${bad.error}`);
    if (values.grid) console.log(`sample frames: ${values.grid}`);
    return 0;
  },
};
