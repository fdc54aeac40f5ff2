/**
 * The one home for turning a Node file-system error into a line a user can
 * act on: which path, what the cause means, what to do — never a stack trace.
 */

const FIXES: Record<string, (where: string) => string> = {
  EACCES: (p) =>
    `${p}: permission denied; make it readable (chmod a+r, a+rx for a folder; writable for an output) or run as its owner`,
  EPERM: (p) => `${p}: operation not permitted; check its owner and permissions, or choose another path`,
  ENOENT: (p) => `${p}: not found; check the path`,
  EISDIR: (p) => `${p}: is a folder where a file is expected; move it away or pass the file`,
  ENOTDIR: (p) => `${p}: part of this path is a file where a folder is expected; check the path`,
  EEXIST: (p) => `${p}: already exists and is not what is expected here; choose another path or move it away`,
  ENOSPC: (p) =>
    `${p}: no space left on its device; free space there or choose another folder (finished work is kept: ` +
    'run the same command again to resume)',
  EDQUOT: (p) =>
    `${p}: disk quota exceeded; free space or choose another folder (finished work is kept: run the same command ` +
    'again to resume)',
  EROFS: (p) => `${p}: on a read-only file system; choose a writable folder`,
  EMFILE: () => 'too many open files: raise the limit (ulimit -n) or use fewer parallel jobs',
};

/**
 * One line for a Node file-system error, or undefined when `error` is not one
 * this knows. A write to an open file (ENOSPC on a full disk) carries no path:
 * `where` (the output folder the work was writing to) names it then.
 */
export function describeFsError(error: unknown, where?: string): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path: file, dest } = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== 'string') return undefined;
  const fix = FIXES[code];
  const named = file === undefined ? where : dest ? `${file} → ${dest}` : file;
  if (!fix || (named === undefined && code !== 'EMFILE')) return undefined;
  return fix(named ?? '');
}

/** Runs `work`; a file-system error from it that names no path is given `file` as its path. */
export function namingPath<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    if (typeof failure?.code === 'string' && failure.path === undefined) failure.path = file;
    throw error;
  }
}
