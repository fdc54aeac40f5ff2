/**
 * Lock files that name their writer (pid and host), so that one process at a
 * time writes a folder and a lock left by a killed process is taken over: a
 * dead pid on this host is stale; another host's lock is assumed alive.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
}

/**
 * Writes `file` with this process as holder plus `extra`; when another live process
 * holds it, returns that holder instead (nothing written). A stale lock is replaced.
 */
export function takeLock<T extends object>(file: string, extra: T): (LockHolder & T) | undefined {
  const body = { pid: process.pid, host: os.hostname(), ...extra };
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(body), { flag: 'wx' });
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = liveHolder<T>(file);
      if (holder) return holder;
      fs.rmSync(file, { force: true }); // stale: its writer is gone
    }
  }
}

/** The lock's body when its writer may still be running (a dead pid on this host is stale). */
export function liveHolder<T extends object>(file: string): (LockHolder & T) | undefined {
  let holder: LockHolder & T;
  try {
    holder = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder & T;
  } catch {
    return undefined; // unreadable or half-written by a killed run: stale
  }
  if (holder.host !== os.hostname()) return holder; // cannot tell from here: assume alive
  try {
    process.kill(holder.pid, 0);
    return holder;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? holder : undefined;
  }
}
