import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseBackendName } from '../../lib/backend';
import { parseThreads } from '../../lib/kernels';
import { chapterTable, readChapters, type RunnerEvent, runNotebooks, writeChapterTable } from '../../lib/jupyter';
import { packageRoot } from '../../lib/util/package-root';
import { type Command, parseFlags, UsageError } from '../command';

export const tutorialCommand: Command = {
  name: 'tutorial',
  usage: 'tutorial [--only NN[,NN]] [--out DIR] [--runs DIR] [--notebooks DIR] [--cell-timeout S] [--readme]',
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
        readme: { type: 'boolean' },
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
    const notebooksDir = path.resolve(values.notebooks ?? path.join(root, 'notebooks'));
    if (values.readme && (values.only || values.notebooks))
      throw new UsageError('--readme writes the table of every chapter: run it without --only and --notebooks');
    const outDir = path.resolve(values.out ?? path.join(root, 'out', 'tutorial'));
    const started = Date.now();
    const results = await runNotebooks({
      notebooksDir,
      outDir,
      only: values.only?.split(',').map((s) => s.trim()),
      cellTimeoutSeconds: cellTimeout,
      runsDir: values.runs,
      onEvent: progressPrinter(),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`All ${results.length} notebook(s) ran in ${seconds}s; executed copies and HTML are in ${outDir}`);
    const timings = Object.fromEntries(results.map((r) => [r.notebook, Math.round(r.seconds * 10) / 10]));
    fs.writeFileSync(path.join(outDir, 'timings.json'), JSON.stringify(timings, null, 1) + '\n');
    if (values.readme) {
      writeChapterTable(path.join(root, 'README.md'), chapterTable(readChapters(notebooksDir), timings));
      console.log(`README.md: chapter table written with these times`);
    }
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
