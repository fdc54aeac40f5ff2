import * as fs from 'node:fs';
import * as path from 'node:path';

import { standaloneHtml } from '../../lib/plot/render';
import { compareRunFolders, findRunFolders } from '../../lib/recipes';
import { tutorialRunsDir } from '../../lib/train';
import { type Command, parseFlags, UsageError } from '../command';
import { withRunErrorsSync } from './train';

export const runsCommand: Command = {
  name: 'runs',
  usage: 'runs [RUN...] [--json] [--plot FILE.html]',
  summary:
    'compare runs: model, data, the settings that differ, epochs, best val, test top-1 with its 95% CI, time, ' +
    'backend; --plot writes their validation curves on one chart',
  help: [
    'RUN...              run folders (default: every run in out/runs, or ACTLAB_RUNS_DIR)',
    '--json              one JSON line: {"runs": [{run, model, data, settings, epochs, best_val_top1, test_top1,',
    '                    test_top1_ci, test_n, seconds, backend}]}',
    '--plot FILE.html    an offline page with the table and one validation curve per run',
    'A run trained before scores were recorded shows no test top-1: actlab eval RUN records it.',
    'Example: actlab runs runs/c3d runs/c3d-lr3e-3 --plot runs.html',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, plot: { type: 'string' } }, 'runs');
    const dirs = positionals.length > 0 ? positionals : findRunFolders();
    if (dirs.length === 0) throw new UsageError(`runs: no run folders in ${tutorialRunsDir()}; pass RUN folders`, 1);
    const comparison = withRunErrorsSync('runs', () => compareRunFolders(dirs));
    if (values.plot) {
      const file = path.resolve(values.plot);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, standaloneHtml([comparison.figure], 'actlab runs', `${comparison.html}\n`));
    }
    if (values.json) {
      const settingsColumn = comparison.header.indexOf('settings');
      console.log(
        JSON.stringify({
          runs: comparison.runs.map((run, i) => ({
            run: run.dir,
            model: run.model,
            data: run.record?.data ?? null,
            settings: comparison.rows[i]![settingsColumn],
            epochs: run.epochs.length,
            best_val_top1: run.bestVal ?? null,
            test_top1: run.test?.top1 ?? null,
            test_top1_ci: run.test?.ci ?? null,
            test_n: run.test?.samples ?? null,
            seconds: run.seconds,
            backend: run.record?.backend ?? null,
          })),
        }),
      );
    } else {
      console.log(comparison.text);
      if (values.plot) console.log(`curves: ${path.resolve(values.plot)}`);
    }
    return 0;
  },
};
