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

import { sha256File } from './hash';
import type { LocalFile } from './local-files';
import { S3TransferError } from './s3-client';

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
  await tar.create(
    { cwd: dir, file: temp, portable: true, noDirRecurse: true, statCache: singleLinkStats(dir, shard.members) },
    [...shard.members],
  );
  fs.renameSync(temp, file);
}

/**
 * The members' stats, each as a file's only link. node-tar stores the second name of a hard-linked
 * file (a `cp -al` copy) as a "Link" entry, which a download refuses, and its async pack can then
 * end twice ("write after end"); every member goes in as a whole file instead.
 */
function singleLinkStats(dir: string, members: readonly string[]): Map<string, fs.Stats> {
  const stats = new Map<string, fs.Stats>();
  for (const member of members) {
    const absolute = path.resolve(dir, member);
    const stat = Object.assign(fs.lstatSync(absolute), { nlink: 1 });
    // tar's own key: the absolute path, with forward slashes on Windows
    stats.set(process.platform === 'win32' ? absolute.replace(/\\/g, '/') : absolute, stat);
  }
  return stats;
}

/** What `actlab upload --pack` puts in a shard: plain files (and folders, from other tar tools). */
const PLAIN_ENTRY_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

const SHARD_FIX =
  're-upload the folder with `actlab upload --pack`, or pass --no-unpack (unpack: false) to download the shards as they are';

/** Why a tar entry is not one a shard may hold (a link, a device, a path leaving the folder), or undefined. */
function unsafeShardEntry(entry: { type: string; path: string; linkpath?: string }): string | undefined {
  if (entry.type === 'SymbolicLink') return `is a symbolic link (to "${entry.linkpath ?? ''}")`;
  if (entry.type === 'Link') return `is a hard link (to "${entry.linkpath ?? ''}")`;
  if (!PLAIN_ENTRY_TYPES.has(entry.type)) return `is a ${entry.type} entry, not a file`;
  if (path.posix.isAbsolute(entry.path) || path.win32.isAbsolute(entry.path)) return 'is an absolute path';
  if (entry.path.split(/[/\\]/).includes('..')) return 'climbs out of the folder with ".."';
  return undefined;
}

function unsafeEntryError(label: string, entryPath: string, reason: string): S3TransferError {
  return new S3TransferError(
    `${label}: entry "${entryPath}" ${reason}; actlab never packs such entries, so nothing of this shard was unpacked: ` +
      SHARD_FIX,
  );
}

/**
 * Unpacks a shard into `dir` (call {@link inspectShard} first: it refuses unsafe entries before
 * anything is written; these are skipped here too). `label` names the shard in errors.
 */
export async function unpackShard(file: string, dir: string, label = file): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  try {
    await tar.extract({
      file,
      cwd: dir,
      strict: true,
      preservePaths: false,
      filter: (_path, entry) => !('type' in entry && unsafeShardEntry(entry)),
    });
  } catch (error) {
    const { code, symlink, message } = error as { code?: string; symlink?: string; message: string };
    if (code === 'TAR_SYMLINK_ERROR') {
      throw new S3TransferError(
        `${label}: a member would be written through the symbolic link ${symlink ?? '(unknown)'} in ${dir}; ` +
          'refusing: remove the link, or download into a folder without links',
      );
    }
    if (!String(code).startsWith('TAR_')) throw error; // a file-system failure keeps its own code and path
    throw new S3TransferError(`${label}: unpacking into ${dir} failed (${message}); ${SHARD_FIX}`);
  }
}

/**
 * The tar `file`'s members (relative paths of its files, in tar order) and those that would
 * replace something different in `dir`: an existing file with other bytes, or a folder/file
 * where the other is (sorted). Refuses, naming `label` (the shard) and the entry, a shard with a
 * link, a device or a path that leaves `dir`, and one that is not a readable tar.
 */
export async function inspectShard(
  file: string,
  dir: string,
  label = file,
): Promise<{ members: string[]; conflicts: string[] }> {
  const members: string[] = [];
  const pending: Array<Promise<string | undefined>> = [];
  let unsafe: S3TransferError | undefined;
  try {
    await tar.list({
      file,
      strict: true,
      onentry: (entry) => {
        const reason = unsafe ? undefined : unsafeShardEntry(entry);
        if (reason) unsafe = unsafeEntryError(label, entry.path, reason);
        if (unsafe) return void entry.resume(); // checks nothing on disk for a refused shard
        checkEntry(entry, dir, members, pending);
      },
    });
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('TAR_')) throw error;
    throw new S3TransferError(
      `${label} is not a tar shard actlab can read (${(error as Error).message}); ${SHARD_FIX}`,
    );
  }
  if (unsafe) throw unsafe;
  const conflicts = (await Promise.all(pending)).filter((p): p is string => p !== undefined).sort();
  return { members, conflicts };
}

/** Records `entry` as a member and queues whether it would replace something different in `dir`. */
function checkEntry(
  entry: tar.ReadEntry,
  dir: string,
  members: string[],
  pending: Array<Promise<string | undefined>>,
): void {
  if (entry.type !== 'Directory') members.push(entry.path);
  const target = path.join(dir, entry.path);
  const existing = fs.lstatSync(target, { throwIfNoEntry: false });
  const clash = (): void => void pending.push(Promise.resolve(entry.path));
  if (!existing) return void entry.resume();
  if (entry.type === 'Directory') {
    if (!existing.isDirectory()) clash();
    return void entry.resume();
  }
  if (!existing.isFile() || existing.size !== entry.size) {
    clash();
    return void entry.resume();
  }
  const hash = crypto.createHash('sha256');
  const inTar = new Promise<string>((resolve) => {
    entry.on('data', (chunk: Buffer) => hash.update(chunk));
    entry.on('end', () => resolve(hash.digest('hex')));
  });
  pending.push(Promise.all([inTar, sha256File(target)]).then(([a, b]) => (a === b ? undefined : entry.path)));
}
