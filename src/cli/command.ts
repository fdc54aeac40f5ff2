/**
 * The shape of an `actlab` subcommand. Each lives in `commands/<name>.ts` and is
 * listed in `commands/index.ts`; names and `--json` keys are a stable interface.
 */
import { parseArgs } from 'node:util';

export interface Command {
  /** The word after `actlab`. */
  readonly name: string;
  /** One usage line (arguments and flags) for `actlab help`. */
  readonly usage: string;
  /** One line saying what it does. */
  readonly summary: string;
  /** What its arguments and flags mean, one per line (`actlab NAME --help` and docs/cli.md show it). */
  readonly help?: string;
  /** Runs with the arguments after the name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}

/** A user error: the CLI prints the message alone (no stack) and exits with `code`. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly code = 2,
  ) {
    super(message);
  }
}

type OptionSpec = Record<string, { readonly type: 'string' | 'boolean' }>;

/** Parsed flags: booleans for `type: 'boolean'`, strings otherwise; absent flags are undefined. */
export interface ParsedFlags<T extends OptionSpec> {
  readonly values: { readonly [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };
  readonly positionals: string[];
}

/** `util.parseArgs` with strict flags whose errors become {@link UsageError}s. */
export function parseFlags<T extends OptionSpec>(args: string[], options: T, command: string): ParsedFlags<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as ParsedFlags<T>;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; run "actlab help" for the usage of ${command}`);
  }
}
