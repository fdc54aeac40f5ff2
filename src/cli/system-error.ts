/**
 * One line for a failed file-system call that reached the top of a command:
 * which path, what the cause means, and what to do — never a stack trace.
 */

const FIXES: Record<string, (path: string) => string> = {
  EACCES: (p) =>
    `permission denied on ${p}: make it readable (and writable, for an output) by this user, e.g. chmod, or choose another path`,
  EPERM: (p) => `operation not permitted on ${p}: check its owner and permissions, or choose another path`,
  ENOENT: (p) => `${p} does not exist: check the path`,
  EISDIR: (p) => `${p} is a folder where a file was expected: pass the file, or remove the folder`,
  ENOTDIR: (p) =>
    `${p} (or a folder above it) is a file where a folder was expected: pass the folder, or move the file away`,
  EEXIST: (p) => `${p} already exists and is in the way: move it or choose another path`,
  ENOSPC: (p) =>
    `no space left on the device holding ${p}: free space or choose another folder; finished work is kept, rerun to resume`,
  EROFS: (p) => `${p} is on a read-only file system: choose a writable output folder`,
  EMFILE: () => 'too many open files: raise the limit (ulimit -n) or use fewer parallel jobs',
};

/** The user's line for a Node file-system error, or undefined when `error` is not one. */
export function describeSystemError(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path: file, dest } = error as NodeJS.ErrnoException & { dest?: string };
  if (typeof code !== 'string') return undefined;
  const fix = FIXES[code];
  if (!fix || (file === undefined && code !== 'EMFILE')) return undefined;
  const where = dest ? `${file} → ${dest}` : (file ?? '');
  return `${fix(where)} (${code})`;
}
