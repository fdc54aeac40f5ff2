/**
 * One `extract` at a time per slice of a cache folder: `extract.lock` (or
 * `extract-<i>of<N>.lock` for `--shard i/N`) holds the writer's pid and host.
 * Jobs of one array job may share a folder, since their slices never overlap;
 * two runs whose slices share a shard are refused. A lock whose pid is dead on
 * this host is stale and taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { liveHolder, type LockHolder, takeLock } from '../util/process-lock';

type Slice = { readonly index: number; readonly count: number };
type LockBody = LockHolder & Slice;

/** Another live `extract` writes the same shards; the message names it and the lock file. */
export class CacheLockedError extends Error {
  override name = 'CacheLockedError';
}

/** Takes the lock for `slice` of the cache in `dir`; returns the function that releases it. */
export function lockCache(dir: string, slice: { readonly index: number; readonly count: number }): () => void {
  const name = slice.count === 1 ? 'extract.lock' : `extract-${slice.index}of${slice.count}.lock`;
  const mine = path.join(dir, name);
  const held = takeLock<Slice>(mine, { index: slice.index, count: slice.count });
  if (held) throw lockedError(dir, mine, held);
  const release = (): void => fs.rmSync(mine, { force: true });
  // Jobs with another shard count can still overlap (0/1 covers every shard of 0/2).
  for (const other of fs.readdirSync(dir)) {
    if (other === name || !/^extract(-\d+of\d+)?\.lock$/.test(other)) continue;
    const holder = liveHolder<Slice>(path.join(dir, other));
    if (holder && overlaps(slice, holder)) {
      release();
      throw lockedError(dir, path.join(dir, other), holder);
    }
  }
  return release;
}

/** Shard s is in slice i/N when s % N === i; two slices share a shard when i1 ≡ i2 (mod gcd(N1, N2)). */
function overlaps(a: { index: number; count: number }, b: { index: number; count: number }): boolean {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  const g = gcd(a.count, b.count);
  return a.index % g === b.index % g;
}

function lockedError(dir: string, file: string, holder: LockBody): CacheLockedError {
  return new CacheLockedError(
    `${dir} is being written by another extract (pid ${holder.pid} on ${holder.host}, slice ${holder.index}/${holder.count}); ` +
      `wait for it to finish, or if it is no longer running delete ${file}`,
  );
}
