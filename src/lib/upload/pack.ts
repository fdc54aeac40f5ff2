/**
 * Many small files → a few tar shards. Uploading 10,000 files one request
 * each spends the time on round trips, not bytes; a shard of a few hundred
 * MB goes up as one multipart upload at full speed. Shards are deterministic
 * (sorted members, portable headers), so re-packing after a crash gives the
 * same bytes and the same checksum.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as tar from 'tar';

import type { LocalFile } from './local-files';

/** Key folder (under the prefix) holding the shards and their index. */
export const PACK_FOLDER = '_actlab_pack';
export const PACK_INDEX = `${PACK_FOLDER}/index.json`;

export interface PackShard {
  /** `shard-00000.tar` */
  readonly name: string;
  /** Relative paths of the members, in tar order. */
  readonly members: readonly string[];
  /** Sum of member sizes (the tar adds 512-byte headers and padding). */
  readonly bytes: number;
}

/** `_actlab_pack/index.json`: which file sits in which shard. */
export interface PackIndex {
  readonly format: 'actlab-pack';
  readonly version: 1;
  readonly shards: readonly PackShard[];
}

/** Groups `files` in order into shards of at most `shardBytes` of content (a bigger file gets its own shard). */
export function planShards(files: readonly LocalFile[], shardBytes: number): PackShard[] {
  const shards: PackShard[] = [];
  let members: string[] = [];
  let bytes = 0;
  const close = (): void => {
    if (!members.length) return;
    shards.push({ name: `shard-${String(shards.length).padStart(5, '0')}.tar`, members, bytes });
    members = [];
    bytes = 0;
  };
  for (const file of files) {
    if (members.length && bytes + file.size > shardBytes) close();
    members.push(file.relative);
    bytes += file.size;
  }
  close();
  return shards;
}

/** A short hash of the files' names, sizes and times: a changed file gives a new staging folder. */
export function fingerprint(files: readonly LocalFile[]): string {
  const hash = crypto.createHash('sha256');
  for (const f of files) hash.update(`${f.relative}\0${f.size}\0${f.mtimeMs}\n`);
  return hash.digest('hex').slice(0, 12);
}

/** Writes `shard` (members read from `dir`) to `file` via a temp name; reuses an existing complete file. */
export async function writeShard(dir: string, shard: PackShard, file: string): Promise<void> {
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  await tar.create({ cwd: dir, file: temp, portable: true, noDirRecurse: true }, [...shard.members]);
  fs.renameSync(temp, file);
}

/** Unpacks a shard into `dir`; refuses members that would land outside it. */
export async function unpackShard(file: string, dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  await tar.extract({ file, cwd: dir, strict: true, preservePaths: false });
}
