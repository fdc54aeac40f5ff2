import * as path from 'node:path';

import { parseBackendName } from '../../lib/backend';
import { parseThreads } from '../../lib/kernels';
import { type RunnerEvent, runNotebooks } from '../../lib/jupyter';
import { packageRoot } from '../../lib/util/package-root';
import { type Command, parseFlags, UsageError } from '../command';

export const tutorialCommand: Command = {
  name: 'tutorial',
  usage: 'tutorial [--only NN[,NN]] [--out DIR] [--runs DIR] [--notebooks DIR] [--cell-timeout S]',
  summary:
    'execute notebooks/NN_*.ipynb in order through Jupyter; executed copies go to out/tutorial/, runs to out/runs/',
  async run(args) {
    const { values } = parseFlags(
      args,
      {
        only: { type: 'string' },
        out: { type: 'string' },
        runs: { type: 'string' },
        notebooks: { type: 'string' },
        'cell-timeout': { type: 'string' },
      },
      'tutorial',
    );
    // Fail before Jupyter starts, in one line, when the backend request is nonsense.
    parseBackendName(process.env.ACTLAB_BACKEND);
    parseThreads(process.env.ACTLAB_THREADS);
    const cellTimeout = values['cell-timeout'] === undefined ? undefined : Number(values['cell-timeout']);
    if (cellTimeout !== undefined && !(cellTimeout > 0)) {
      throw new UsageError(`--cell-timeout must be a positive number of seconds, got "${values['cell-timeout']}"`);
    }
    const root = packageRoot();
    const outDir = path.resolve(values.out ?? path.join(root, 'out', 'tutorial'));
    const started = Date.now();
    const results = await runNotebooks({
      notebooksDir: path.resolve(values.notebooks ?? path.join(root, 'notebooks')),
      outDir,
      only: values.only?.split(',').map((s) => s.trim()),
      cellTimeoutSeconds: cellTimeout,
      runsDir: values.runs,
      onEvent: progressPrinter(),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`All ${results.length} notebook(s) ran in ${seconds}s; executed copies and HTML are in ${outDir}`);
    return 0;
  },
};

/** One line per notebook and per cell; on a terminal the running cell's line is redrawn. */
function progressPrinter(): (event: RunnerEvent) => void {
  const tty = process.stdout.isTTY;
  let current = '';
  return (event) => {
    switch (event.event) {
      case 'notebook_start':
        console.log(`▶ ${event.notebook} (${event.cells} code cells)`);
        break;
      case 'cell_start':
        current = `  cell ${event.position}/${event.of}${event.id ? ` [${event.id}]` : ''}`;
        if (tty) process.stdout.write(`${current} …\r`);
        break;
      case 'cell_done': {
        const line = `${current} ${event.status} ${event.seconds.toFixed(1)}s`;
        if (tty) process.stdout.write(`\x1b[2K${line}\n`);
        else console.log(line);
        break;
      }
      case 'notebook_done':
        console.log(`✔ ${event.notebook} in ${event.seconds.toFixed(1)}s`);
        break;
    }
  };
}
