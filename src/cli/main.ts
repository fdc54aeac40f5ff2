#!/usr/bin/env node
/**
 * The `actlab` command. Subcommands and the JSON they print with `--json` are an
 * interface other tools read: keep names and keys stable.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { BackendError, initBackend, parseBackendName } from '../lib/backend';
import { environmentReport, reportRows } from '../lib/env';
import { installKernelSpec, JupyterMissingError, NotebookFailedError, runNotebooks } from '../lib/jupyter';
import type { RunnerEvent } from '../lib/jupyter';
import { keyValueTable } from '../lib/notebook';
import { packageRoot, packageVersion } from '../lib/util/package-root';

const USAGE = `actlab ${packageVersion()} — video action recognition notebooks and library

Usage: actlab <command> [options]

Commands:
  env [--json]                      report Node, tfjs backend, ffmpeg/ffprobe, Jupyter, CPU, memory
  backend [--json]                  start the fastest TensorFlow.js backend and say which (ACTLAB_BACKEND forces one)
  kernel install [--user] [--json]  register the "actlab" Jupyter kernel (project-local, or --user for every Jupyter)
  tutorial [--only NN[,NN]] [--out DIR] [--notebooks DIR] [--cell-timeout S]
                                    execute notebooks/NN_*.ipynb in order through Jupyter into out/tutorial/
  help                              show this text

Environment: ACTLAB_BACKEND=tensorflow|wasm|cpu, ACTLAB_PYTHON (the Python with Jupyter),
             ACTLAB_FFMPEG / ACTLAB_FFPROBE (binaries to use instead of the bundled ones).`;

/** A user error: print the message alone (no stack) and exit with `code`. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'env':
      return envCommand(rest);
    case 'backend':
      return backendCommand(rest);
    case 'kernel':
      return kernelCommand(rest);
    case 'tutorial':
      return tutorialCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    case '--version':
    case '-v':
      console.log(packageVersion());
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"; run "actlab help" for the list`);
  }
}

function flags<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run "actlab help" for usage`);
  }
}

async function envCommand(args: string[]): Promise<number> {
  const { values } = flags(args, { json: { type: 'boolean' } });
  const report = await environmentReport();
  console.log(values.json ? JSON.stringify(report, null, 2) : keyValueTable(reportRows(report)).text);
  return report.ffmpeg.found && report.ffprobe.found ? 0 : 1;
}

async function backendCommand(args: string[]): Promise<number> {
  const { values } = flags(args, { json: { type: 'boolean' } });
  const info = await initBackend({ log: values.json ? null : console.log });
  if (values.json) console.log(JSON.stringify(info, null, 2));
  return 0;
}

async function kernelCommand(args: string[]): Promise<number> {
  const { values, positionals } = flags(args, { user: { type: 'boolean' }, json: { type: 'boolean' } });
  if (positionals[0] !== 'install' || positionals.length > 1) {
    throw new UsageError('usage: actlab kernel install [--user] [--json]');
  }
  const installed = installKernelSpec({ user: values.user });
  if (values.json) {
    console.log(JSON.stringify(installed, null, 2));
    return 0;
  }
  console.log(`Installed Jupyter kernel "actlab" (TypeScript (actlab)) in ${installed.dir}`);
  if (values.user) {
    console.log('Every Jupyter run by this user can now pick "TypeScript (actlab)".');
  } else {
    console.log(`It is project-local: npm run tutorial finds it by itself. To use it from your own Jupyter:`);
    console.log(`  JUPYTER_PATH=${installed.jupyterPath} jupyter lab`);
    console.log('or register it user-wide (every Jupyter of this user sees it):');
    console.log('  npx actlab kernel install --user');
    console.log(`  (same as: jupyter kernelspec install --user --name actlab ${installed.dir})`);
  }
  return 0;
}

async function tutorialCommand(args: string[]): Promise<number> {
  const { values } = flags(args, {
    only: { type: 'string' },
    out: { type: 'string' },
    notebooks: { type: 'string' },
    'cell-timeout': { type: 'string' },
  });
  // Fail before Jupyter starts, in one line, if the backend request is nonsense.
  parseBackendName(process.env.ACTLAB_BACKEND);
  const root = packageRoot();
  const cellTimeout = values['cell-timeout'] === undefined ? undefined : Number(values['cell-timeout']);
  if (cellTimeout !== undefined && !(cellTimeout > 0)) {
    throw new UsageError(`--cell-timeout must be a positive number of seconds, got "${values['cell-timeout']}"`);
  }
  const outDir = path.resolve(values.out ?? path.join(root, 'out', 'tutorial'));
  const started = Date.now();
  const results = await runNotebooks({
    notebooksDir: path.resolve(values.notebooks ?? path.join(root, 'notebooks')),
    outDir,
    only: values.only?.split(',').map((s) => s.trim()),
    cellTimeoutSeconds: cellTimeout,
    onEvent: progressPrinter(),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`All ${results.length} notebook(s) ran in ${seconds}s; executed copies and HTML are in ${outDir}`);
  return 0;
}

/** Prints one line per notebook and per cell (a redrawn line on a terminal). */
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

function report(error: unknown): number {
  if (error instanceof NotebookFailedError) {
    console.error(`✘ ${error.message}`);
    const source = error.cellSource.split('\n').slice(0, 8);
    if (source.length > 0 && source[0] !== '') {
      console.error('  cell source:');
      for (const line of source) console.error(`    ${line}`);
    }
    return 1;
  }
  if (error instanceof UsageError) {
    console.error(`actlab: ${error.message}`);
    return error.code;
  }
  if (error instanceof BackendError || error instanceof JupyterMissingError) {
    console.error(`actlab: ${error.message}`);
    return 2;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
