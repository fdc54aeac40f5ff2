/**
 * The one place that reads and checks cache shards (see cache-format.ts):
 * which shards are done, whether a shard's bytes still match its sidecar,
 * and positioned clip reads that refuse short reads. The local reader, the
 * S3 reader, `extract` resume and `merge` all go through here.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { type CacheClipEntry, type CachePlan, shardName, type ShardRecord } from './cache-format';

/** A shard or sidecar on disk does not match what the cache recorded; the message names the file and the fix. */
export class CacheDamagedError extends Error {
  override name = 'CacheDamagedError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a damaged shard's message tells the user to do. */
export function rebuildHint(dir: string, shard: number): string {
  const name = path.join(dir, shardName(shard));
  return `delete ${name}.bin and ${name}.json and re-run the same "actlab extract ... --out ${dir}" command to rebuild that shard`;
}

export type ShardState =
  | { readonly state: 'done'; readonly record: ShardRecord }
  | { readonly state: 'missing' }
  | { readonly state: 'damaged'; readonly file: string; readonly reason: string };

/**
 * Reads shard `shard`'s sidecar and checks it against its `.bin` (size and
 * clip table; not the checksum, which {@link openShardFile} checks). `names`,
 * a listing of `dir`, saves one stat per shard.
 */
export function inspectShard(dir: string, shard: number, names?: ReadonlySet<string>): ShardState {
  const name = shardName(shard);
  const jsonFile = path.join(dir, `${name}.json`);
  if (names ? !names.has(`${name}.json`) : !fs.existsSync(jsonFile)) return { state: 'missing' };
  const damaged = (file: string, why: string): ShardState => ({
    state: 'damaged',
    file,
    reason: `${file}: ${why}; ${rebuildHint(dir, shard)}`,
  });
  let record: ShardRecord;
  try {
    record = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as ShardRecord;
  } catch (error) {
    return damaged(jsonFile, `the shard's sidecar cannot be read (${(error as Error).message})`);
  }
  if (record?.shard !== shard || record.file !== `${name}.bin` || !Array.isArray(record.clips))
    return damaged(jsonFile, `the sidecar does not describe ${name}.bin`);
  const table = checkClipTable(record);
  if (table) return damaged(jsonFile, table);
  const binFile = path.join(dir, record.file);
  const size = fs.statSync(binFile, { throwIfNoEntry: false })?.size;
  if (size === undefined)
    return damaged(binFile, `missing, but ${name}.json says it holds ${record.clips.length} clips`);
  if (size !== record.bytes)
    return damaged(binFile, `is ${size} bytes, ${name}.json says ${record.bytes} (truncated or overwritten)`);
  return { state: 'done', record };
}

/** Why the clip table does not tile the shard's bytes, or undefined when it does. */
export function checkClipTable(record: ShardRecord): string | undefined {
  let offset = 0;
  for (const clip of record.clips) {
    if (clip.offset !== offset) return `clip table of ${record.file} has a gap at byte ${offset}`;
    offset += clip.length;
  }
  return offset === record.bytes ? undefined : `clip table of ${record.file} covers ${offset} of ${record.bytes} bytes`;
}

/** Every shard's state for a cache, reading `index.json` when it is present and matches the plan. */
export interface ShardTable {
  /** Index = shard number; undefined where the shard is not done. */
  readonly records: ReadonlyArray<ShardRecord | undefined>;
  readonly damaged: ReadonlyArray<{ readonly shard: number; readonly file: string; readonly reason: string }>;
  /** Whether `index.json` answered (one file read) instead of every sidecar. */
  readonly fromIndex: boolean;
  /** The folder's file names, listed once (temp files, locks). */
  readonly names: ReadonlySet<string>;
}

/**
 * Linear in shards: the folder is listed once, then either `index.json`
 * (written when the cache completed) is used, after a size check of every
 * `.bin`, or each sidecar is read once.
 */
export function readShardTable(dir: string, plan: CachePlan): ShardTable {
  const names = new Set(fs.readdirSync(dir));
  const indexed = names.has('index.json') ? fromIndex(dir, plan, names) : undefined;
  if (indexed) return { records: indexed, damaged: [], fromIndex: true, names };
  const records: Array<ShardRecord | undefined> = [];
  const damaged: Array<{ shard: number; file: string; reason: string }> = [];
  for (let shard = 0; shard < plan.shardCount; shard++) {
    const found = inspectShard(dir, shard, names);
    records.push(found.state === 'done' ? found.record : undefined);
    if (found.state === 'damaged') damaged.push({ shard, file: found.file, reason: found.reason });
  }
  return { records, damaged, fromIndex: false, names };
}

/** index.json's records when it belongs to `plan` and every shard file it names is there at its size. */
function fromIndex(dir: string, plan: CachePlan, names: ReadonlySet<string>): ShardRecord[] | undefined {
  let index: Omit<CachePlan, 'items'> & { shards?: ShardRecord[] };
  try {
    index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as typeof index;
  } catch {
    return undefined; // fall back to the sidecars, which are the source of truth
  }
  const { items: _items, ...header } = plan;
  const same = (Object.keys(header) as Array<keyof typeof header>).every(
    (key) => JSON.stringify(index[key]) === JSON.stringify(header[key]),
  );
  const shards = index.shards;
  if (!same || !Array.isArray(shards) || shards.length !== plan.shardCount) return undefined;
  for (const [shard, record] of shards.entries()) {
    const name = shardName(shard);
    if (record?.shard !== shard || !names.has(`${name}.json`) || !names.has(`${name}.bin`)) return undefined;
    if (fs.statSync(path.join(dir, record.file)).size !== record.bytes) return undefined;
  }
  return shards;
}

/** SHA-256 (hex) of a file, streamed in 1 MiB reads. */
export function sha256FileSync(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 20);
    let read: number;
    while ((read = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Why `file` does not hold `record`'s bytes (size, then SHA-256), or undefined when it does. */
export async function shardFileProblem(file: string, record: ShardRecord): Promise<string | undefined> {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
  if (size === undefined) return `${file}: missing`;
  if (size !== record.bytes)
    return `${file}: is ${size} bytes, its sidecar says ${record.bytes} (truncated or overwritten)`;
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  return digest === record.sha256
    ? undefined
    : `${file}: SHA-256 is ${digest.slice(0, 12)}…, its sidecar says ${record.sha256.slice(0, 12)}… (the bytes changed)`;
}

/**
 * Opens a shard for clip reads after checking its size and SHA-256 against
 * the sidecar: done once per shard per reader, so damage is caught before a
 * single clip from it is used. Throws {@link CacheDamagedError} with the fix.
 */
export async function openShardFile(dir: string, record: ShardRecord): Promise<fs.promises.FileHandle> {
  const file = path.join(dir, record.file);
  const problem = await shardFileProblem(file, record);
  if (problem) throw new CacheDamagedError(file, `${problem}; ${rebuildHint(dir, record.shard)}`);
  return fs.promises.open(file, 'r');
}

/** One clip's bytes by a positioned read; a short read is damage, never a shorter clip. */
export async function readClipBytes(
  handle: fs.promises.FileHandle,
  entry: CacheClipEntry,
  file: string,
): Promise<Uint8Array> {
  const data = new Uint8Array(entry.length);
  const { bytesRead } = await handle.read(data, 0, entry.length, entry.offset);
  if (bytesRead !== entry.length) {
    throw new CacheDamagedError(
      file,
      `${file}: clip ${entry.item} needs bytes ${entry.offset}..${entry.offset + entry.length}, the file ends at ` +
        `${entry.offset + bytesRead} (truncated); ${rebuildHint(path.dirname(file), entry.shard)}`,
    );
  }
  return data;
}
