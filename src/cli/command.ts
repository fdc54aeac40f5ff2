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

/** `util.parseArgs` with strict flags whose errors become {@link UsageError}s; an unknown flag names the nearest one. */
export function parseFlags<T extends OptionSpec>(args: string[], options: T, command: string): ParsedFlags<T> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as ParsedFlags<T>;
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '(--?[^']+)'/.exec(message)?.[1];
    if (unknown) {
      const nearest = nearestFlag(unknown.replace(/^-+/, ''), Object.keys(options));
      const hint = nearest ? `; did you mean --${nearest}?` : '';
      throw new UsageError(`${command}: unknown flag ${unknown}${hint} (actlab ${command} --help lists them)`);
    }
    throw new UsageError(`${command}: ${message.replace(/\.$/, '')} (actlab ${command} --help lists the flags)`);
  }
}

/** The flag within a few edits of `typed` (or that it starts or ends), else undefined. */
function nearestFlag(typed: string, flags: readonly string[]): string | undefined {
  let best: { flag: string; cost: number } | undefined;
  for (const flag of flags) {
    const cost = flag.startsWith(typed) || typed.startsWith(flag) ? 1 : editDistance(typed, flag);
    if (!best || cost < best.cost) best = { flag, cost };
  }
  return best && best.cost <= Math.max(2, Math.floor(typed.length / 3)) ? best.flag : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
