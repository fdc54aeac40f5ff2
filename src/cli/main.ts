#!/usr/bin/env node
/**
 * The `actlab` command: dispatches to `commands/`. Subcommand names and the JSON
 * they print with `--json` are an interface other tools read: keep them stable.
 */
import { BackendError } from '../lib/backend';
import { ConvThreadsError } from '../lib/kernels';
import { JupyterMissingError, NotebookFailedError, NotebookInterruptedError } from '../lib/jupyter';
import { describeFsError } from '../lib/util/fs-error';
import { packageVersion } from '../lib/util/package-root';
import { UsageError } from './command';
import { COMMANDS } from './commands';
import { asksForHelp, commandHelp, usage } from './reference';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage(packageVersion()));
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(packageVersion());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`unknown command "${name}"; run "actlab help" for the list`);
  if (asksForHelp(rest)) {
    console.log(commandHelp(command));
    return 0;
  }
  return command.run(rest);
}

/** The folder a command writes to (`--out DIR`), to name when a write on a full disk names no file. */
function outputFolder(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--out');
  if (at >= 0) return argv[at + 1];
  return argv.find((arg) => arg.startsWith('--out='))?.slice('--out='.length);
}

/** Prints a failure the way a user can act on it; returns the exit code. */
function report(error: unknown, argv: readonly string[]): number {
  if (error instanceof NotebookFailedError) {
    console.error(`✘ ${error.message}`);
    const source = error.cellSource.split('\n').slice(0, 8);
    if (source[0]) console.error(['  cell source:', ...source.map((line) => `    ${line}`)].join('\n'));
    return 1;
  }
  if (error instanceof NotebookInterruptedError) {
    console.error(`actlab: ${error.message}`);
    return 130;
  }
  if (error instanceof UsageError) {
    console.error(`actlab: ${error.message}`);
    return error.code;
  }
  if (error instanceof BackendError || error instanceof ConvThreadsError || error instanceof JupyterMissingError) {
    console.error(`actlab: ${error.message}`);
    return 2;
  }
  const systemError = describeFsError(error, outputFolder(argv));
  if (systemError) {
    console.error(`actlab: ${systemError}`);
    return 1;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

// A throw inside a library's stream callback reaches no promise, and Node would print the source
// line it came from: kilobytes of one minified line. Say what it is in a few readable lines instead.
process.on('uncaughtException', (error: Error) => {
  console.error(
    `actlab: unexpected failure, a bug (please report it with these lines):\n${error.stack ?? error.message}`,
  );
  process.exit(1);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error, process.argv.slice(3));
  },
);
