/**
 * Where transfer state (manifests, staged tar shards, multipart records) lives:
 * in a per-user cache folder, never inside the folder being uploaded or
 * downloaded, so a read-only dataset uploads and a round trip leaves no traces.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { S3TransferError } from './s3-client';

/** `$XDG_CACHE_HOME/actlab` (default `~/.cache/actlab`). */
export function userStateRoot(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(path.resolve(cache), 'actlab');
}

/**
 * The state folder for one transfer of local folder `dir`: `explicit` when given,
 * else `<userStateRoot>/<kind>/<hash of dir>`, created, with a `source.txt` naming `dir`
 * so a person browsing the cache can tell what each folder belongs to. `create: false`
 * (dry runs) only names it.
 */
export function transferStateDir(
  kind: 'uploads' | 'downloads',
  dir: string,
  explicit: string | undefined,
  create = true,
): string {
  const folder = explicit ? path.resolve(explicit) : path.join(userStateRoot(), kind, shortHash(path.resolve(dir)));
  if (!create) return folder;
  try {
    fs.mkdirSync(folder, { recursive: true });
    if (!explicit) fs.writeFileSync(path.join(folder, 'source.txt'), `${path.resolve(dir)}\n`);
  } catch (error) {
    throw new S3TransferError(
      `cannot write transfer state to ${folder} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ` +
        'set XDG_CACHE_HOME to a writable folder or pass --state-dir',
    );
  }
  return folder;
}

/** First 16 hex digits of the SHA-256 of `text`: stable file names for keys and destinations. */
export function shortHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}
