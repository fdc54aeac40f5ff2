/**
 * The CLI's usage text, in the terminal (`actlab help`, `actlab NAME --help`)
 * and as docs/cli.md, both from the commands' own `usage`, `summary` and
 * `help`, so that the page cannot drift from the commands (a test compares it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packageRoot } from '../lib/util/package-root';
import type { Command } from './command';
import { COMMANDS } from './commands';

const ENVIRONMENT = [
  ['ACTLAB_BACKEND=tensorflow|wasm|cpu', 'force a TensorFlow.js backend'],
  ['ACTLAB_PYTHON=/path/to/python3', 'the Python that has Jupyter (nbclient, nbconvert)'],
  ['ACTLAB_FFMPEG, ACTLAB_FFPROBE', 'binaries to use instead of the bundled ones'],
] as const;

/** `actlab help`: every command's usage and summary. */
export function usage(version: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c) =>
    c.usage.length > 40
      ? `  ${c.usage}\n  ${' '.repeat(42)}${c.summary}`
      : `  ${c.usage.padEnd(Math.min(width, 40))}  ${c.summary}`,
  );
  const environment = ENVIRONMENT.map(
    ([name, what], i) => `${i === 0 ? 'Environment:' : ' '.repeat(12)} ${name.padEnd(34)} ${what}`,
  );
  return [
    `actlab ${version} — video action recognition notebooks and library`,
    '',
    'Usage: actlab <command> [options]       actlab <command> --help: what its flags mean',
    '',
    'Commands:',
    ...lines,
    '  help                                      show this text',
    '',
    ...environment,
  ].join('\n');
}

/** `actlab NAME --help`. */
export function commandHelp(command: Command): string {
  return [`Usage: actlab ${command.usage}`, '', command.summary, ...(command.help ? ['', command.help] : [])].join(
    '\n',
  );
}

/** True when the arguments ask for help (before any `--`, which ends the flags). */
export function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** docs/cli.md. */
export function cliReference(): string {
  const sections = COMMANDS.map((c) =>
    [
      `## actlab ${c.name}`,
      '',
      '```',
      `actlab ${c.usage}`,
      '```',
      '',
      c.summary,
      ...(c.help ? ['', '```', c.help, '```'] : []),
    ].join('\n'),
  );
  return [
    '# The `actlab` command',
    '',
    "<!-- Written by `npm run docs` from the commands' own usage text; test/docs.test.ts fails when it differs. -->",
    '',
    'Run it as `npx actlab …` inside the project. `actlab help` lists the commands, `actlab NAME --help` shows one.',
    'Command names and the keys of their `--json` output are stable: other tools read them. Long commands show a',
    'progress bar on stderr; Ctrl-C stops them cleanly (exit 130), keeping finished work, and the same command resumes.',
    '',
    ...sections.flatMap((s) => [s, '']),
    '## Environment',
    '',
    ...ENVIRONMENT.map(([name, what]) => `- \`${name}\`: ${what}`),
    '',
    'Every variable actlab reads is in [getting-started.md](getting-started.md#configuration).',
    '',
  ].join('\n');
}

export const CLI_REFERENCE_FILE = path.join('docs', 'cli.md');

/** Writes docs/cli.md (`npm run docs`). */
export function writeCliReference(root = packageRoot()): string {
  const file = path.join(root, CLI_REFERENCE_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, cliReference());
  return file;
}
