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
    'execute notebooks/NN_*.ipynb in order in the actlab kernel (Node alone, no Python needed); executed copies ' +
    'and HTML pages go to out/tutorial/, runs to out/runs/',
  help: [
    '--only NN[,NN]      run these chapters only (e.g. 03,07)',
    '--out DIR           executed notebooks and their HTML (default out/tutorial)',
    '--runs DIR          where training cells write their runs (default out/runs)',
    '--notebooks DIR     another folder of NN_*.ipynb (e.g. notebooks/solutions)',
    '--cell-timeout S    stop a cell that runs longer than S seconds',
    '--readme            after a full run, write the chapter tables (README.md, docs/chapters.md) with the times',
    'Example: actlab tutorial --only 03,07',
  ].join('\n'),
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
    // Fail before the kernel starts, in one line, when the backend request is nonsense.
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
      const chapters = readChapters(notebooksDir);
      writeChapterTable(path.join(root, 'README.md'), chapterTable(chapters, timings, { short: true }));
      writeChapterTable(path.join(root, 'docs', 'chapters.md'), chapterTable(chapters, timings));
      console.log(`README.md and docs/chapters.md: chapter tables written with these times`);
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
